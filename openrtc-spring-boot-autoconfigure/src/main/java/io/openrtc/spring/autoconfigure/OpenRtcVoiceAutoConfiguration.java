package io.openrtc.spring.autoconfigure;

import io.openrtc.agent.AgentRegistry;
import io.openrtc.spring.ai.SpringAiSpeechToText;
import io.openrtc.voice.VoiceSetup;
import org.springframework.ai.audio.transcription.TranscriptionModel;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Gives the agents a voice from the application's Spring AI models: the application's
 * {@code TranscriptionModel} beans as speech-to-text, its {@code TextToSpeechModel} beans as
 * text-to-speech (which one per agent: {@code openrtc.agents.<name>.stt|tts}, then
 * {@code openrtc.defaults.stt|tts}), with the pipeline's settings from {@code openrtc.voice.*}.
 * Present when Spring AI's model module and {@code openrtc-spring-ai} are on the classpath (the
 * starter brings both); the application adds a provider, such as
 * {@code spring-ai-starter-model-openai}.
 */
@AutoConfiguration(before = OpenRtcAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "openrtc.enabled", matchIfMissing = true)
@ConditionalOnClass({TranscriptionModel.class, SpringAiSpeechToText.class})
@EnableConfigurationProperties({OpenRtcProperties.class, OpenRtcVoiceProperties.class})
public class OpenRtcVoiceAutoConfiguration {

    /** Each agent's voice options and providers. */
    @Bean
    @ConditionalOnMissingBean
    VoiceSetup openRtcVoiceSetup(ConfigurableListableBeanFactory beans, OpenRtcProperties properties,
            OpenRtcVoiceProperties voice, AgentRegistry agents) {
        return new SpringVoiceProviders(beans, properties, voice, agents);
    }
}
