package io.openrtc.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.spring.ai.SpringAiSpeechToText;
import io.openrtc.spring.ai.SpringAiTextToSpeech;
import io.openrtc.voice.VoiceOptions;
import io.openrtc.voice.VoiceSetup;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.audio.transcription.AudioTranscription;
import org.springframework.ai.audio.transcription.AudioTranscriptionPrompt;
import org.springframework.ai.audio.transcription.AudioTranscriptionResponse;
import org.springframework.ai.audio.transcription.TranscriptionModel;
import org.springframework.ai.audio.tts.Speech;
import org.springframework.ai.audio.tts.TextToSpeechModel;
import org.springframework.ai.audio.tts.TextToSpeechOptions;
import org.springframework.ai.audio.tts.TextToSpeechPrompt;
import org.springframework.ai.audio.tts.TextToSpeechResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.Order;
import reactor.core.publisher.Flux;

/** Which Spring AI model beans each agent's voice gets, and the openrtc.voice.* settings. */
class OpenRtcVoiceAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(OpenRtcVoiceAutoConfiguration.class, OpenRtcAutoConfiguration.class))
            .withPropertyValues("openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=key",
                    "openrtc.livekit.api-secret=secret-that-is-long-enough-for-livekit")
            .withUserConfiguration(Agents.class);

    @AgentConfig(name = "restaurant")
    @Order(1) // the default agent of the contexts with several agents
    static class RestaurantAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @AgentConfig(name = "dental")
    static class DentalAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import({RestaurantAgent.class, DentalAgent.class})
    static class Agents {
    }

    /** A transcription model that answers one fixed text: enough to tell beans apart by name. */
    static TranscriptionModel transcription(String text) {
        return prompt -> new AudioTranscriptionResponse(new AudioTranscription(text));
    }

    /** A speech model set to {@code format}. */
    static TextToSpeechModel speech(String format) {
        return new TextToSpeechModel() {
            @Override
            public TextToSpeechResponse call(TextToSpeechPrompt prompt) {
                return new TextToSpeechResponse(List.of(new Speech(new byte[0])));
            }

            @Override
            public Flux<TextToSpeechResponse> stream(TextToSpeechPrompt prompt) {
                return Flux.just(call(prompt));
            }

            @Override
            public TextToSpeechOptions getDefaultOptions() {
                return TextToSpeechOptions.builder().format(format).build();
            }
        };
    }

    @Configuration(proxyBeanMethods = false)
    static class OneOfEach {
        @Bean
        TranscriptionModel whisper() {
            return transcription("whisper");
        }

        @Bean
        TextToSpeechModel piper() {
            return speech("wav");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoSpeechModels {
        @Bean
        TextToSpeechModel piper() {
            return speech("wav");
        }

        @Bean
        TextToSpeechModel openai() {
            return speech("pcm");
        }
    }

    @AgentConfig(name = "concierge")
    static class Concierge implements io.openrtc.voice.VoiceAgent {
        @Override
        public String instructions() {
            return "You are the concierge.";
        }

        @org.springframework.ai.tool.annotation.Tool(description = "The opening hours")
        String openingHours() {
            return "17:00 to 22:00";
        }
    }

    /** A chat model that answers one fixed text. */
    static org.springframework.ai.chat.model.ChatModel chatModel() {
        return prompt -> new org.springframework.ai.chat.model.ChatResponse(List.of(
                new org.springframework.ai.chat.model.Generation(new org.springframework.ai.chat.messages.AssistantMessage("hi"))));
    }

    @Test
    void aVoiceAgentWithoutAModelItNeedsStopsTheApplicationNamingTheAgentAndTheModel() {
        runner.withUserConfiguration(OneOfEach.class).withBean(Concierge.class)
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("Voice agent 'concierge'").hasMessageContaining("is missing a language model")
                        .hasMessageContaining("openrtc.agents.concierge.llm"));
        runner.withBean(Concierge.class).withBean("gpt", org.springframework.ai.chat.model.ChatModel.class,
                        OpenRtcVoiceAutoConfigurationTest::chatModel)
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("is missing speech-to-text").hasMessageContaining("text-only=true"));
    }

    @Test
    void aVoiceAgentsToolsAreItsToolMethodsAndTheBeansItNames() {
        runner.withUserConfiguration(OneOfEach.class).withBean(Concierge.class)
                .withBean("gpt", org.springframework.ai.chat.model.ChatModel.class, OpenRtcVoiceAutoConfigurationTest::chatModel)
                .withBean("weather", org.springframework.ai.tool.ToolCallback.class,
                        () -> org.springframework.ai.tool.function.FunctionToolCallback
                                .builder("weather", (String city) -> "sunny").description("The weather")
                                .inputType(String.class).build())
                .withPropertyValues("openrtc.agents.concierge.tools=weather", "openrtc.voice.llm.timeout=7s",
                        "openrtc.voice.interruption.min-duration=300ms", "openrtc.voice.user-away.timeout=0s",
                        "openrtc.voice.handoff-history=summary")
                .run(context -> {
                    VoiceSetup setup = context.getBean(VoiceSetup.class);
                    assertThat(setup.providers("concierge").llm().name()).isEqualTo("gpt");
                    Concierge concierge = context.getBean(Concierge.class);
                    assertThat(setup.tools("concierge", concierge)).extracting(t -> t.spec().name())
                            .containsExactlyInAnyOrder("openingHours", "weather");
                    VoiceOptions options = setup.options("concierge");
                    assertThat(options.conversation().llmTimeout()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(options.interruption().speaking().minDuration()).isEqualTo(Duration.ofMillis(300));
                    assertThat(options.interruption().thinking().minDuration()).isEqualTo(Duration.ofMillis(300));
                    assertThat(options.conversation().userAwayTimeout()).isZero();
                    assertThat(options.conversation().handoffHistory())
                            .isEqualTo(io.openrtc.voice.ConversationOptions.HandoffHistory.SUMMARY);
                });
        runner.withUserConfiguration(OneOfEach.class).withBean(Concierge.class)
                .withBean("gpt", org.springframework.ai.chat.model.ChatModel.class, OpenRtcVoiceAutoConfigurationTest::chatModel)
                .withPropertyValues("openrtc.agents.concierge.tools=nothing")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("openrtc.agents.concierge.tools names 'nothing'"));
    }

    @Test
    void aStatesInterruptionSettingWinsOverTheSharedOneWhichWinsOverTheDefault() {
        runner.withUserConfiguration(OneOfEach.class)
                .withPropertyValues("openrtc.voice.interruption.min-words=2",
                        "openrtc.voice.interruption.speaking.min-duration=1500ms",
                        "openrtc.voice.interruption.thinking.min-duration=0s",
                        "openrtc.voice.interruption.thinking.min-words=1",
                        "openrtc.voice.interruption.speaking.filler-words=okay,right")
                .run(context -> {
                    io.openrtc.voice.InterruptionOptions options = context.getBean(VoiceSetup.class).options("restaurant")
                            .interruption();
                    assertThat(options.speaking().minDuration()).isEqualTo(Duration.ofMillis(1500));
                    assertThat(options.speaking().minWords()).isEqualTo(2);
                    assertThat(options.speaking().fillerWords()).containsExactly("okay", "right");
                    assertThat(options.thinking().minDuration()).isZero();
                    assertThat(options.thinking().minWords()).isEqualTo(1);
                    assertThat(options.thinking().fillerWords()).isEqualTo(io.openrtc.voice.InterruptionOptions.ENGLISH_FILLERS);
                });
        runner.withUserConfiguration(OneOfEach.class)
                .withPropertyValues("openrtc.voice.interruption.thinking.min-duration=-1s")
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("min-duration"));
    }

    @Test
    void withoutAnAudioModelNoAgentGetsAVoiceAndNoVadIsLoaded() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(VoiceSetup.class)).isInstanceOfSatisfying(SpringVoiceProviders.class,
                    setup -> assertThat(setup.isEmpty()).isTrue());
        });
    }

    @Test
    void theApplicationsOnlyModelsServeEveryAgent() {
        runner.withUserConfiguration(OneOfEach.class).run(context -> {
            VoiceSetup setup = context.getBean(VoiceSetup.class);
            for (String agent : List.of("restaurant", "dental")) {
                assertThat(setup.providers(agent).stt()).isInstanceOf(SpringAiSpeechToText.class)
                        .extracting(s -> s.name()).isEqualTo("whisper");
                assertThat(setup.providers(agent).tts()).isInstanceOf(SpringAiTextToSpeech.class)
                        .extracting(s -> s.name()).isEqualTo("piper");
            }
        });
    }

    @Test
    void anAgentsOwnSettingWinsOverTheDefault() {
        runner.withUserConfiguration(TwoSpeechModels.class)
                .withPropertyValues("openrtc.defaults.tts=piper", "openrtc.agents.restaurant.tts=openai")
                .run(context -> {
                    VoiceSetup setup = context.getBean(VoiceSetup.class);
                    assertThat(setup.providers("restaurant").tts().name()).isEqualTo("openai");
                    assertThat(setup.providers("dental").tts().name()).isEqualTo("piper");
                    assertThat(((SpringAiTextToSpeech) setup.providers("restaurant").tts()).format()).isEqualTo("pcm");
                });
    }

    @Test
    void anOpenChoiceBetweenSeveralModelsStopsTheApplicationNamingTheSetting() {
        runner.withUserConfiguration(TwoSpeechModels.class).run(context -> assertThat(context).getFailure()
                .rootCause().hasMessageContaining("openrtc.defaults.tts").hasMessageContaining("piper")
                .hasMessageContaining("openai"));
    }

    @Test
    void aNameThatMatchesNoBeanStopsTheApplicationNamingThePropertyAndTheBeans() {
        runner.withUserConfiguration(OneOfEach.class).withPropertyValues("openrtc.agents.dental.stt=deepgram")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("openrtc.agents.dental.stt=deepgram").hasMessageContaining("[whisper]"));
    }

    @Test
    void settingsForAnAgentThatIsNotRegisteredStopTheApplication() {
        runner.withUserConfiguration(OneOfEach.class).withPropertyValues("openrtc.agents.plumber.tts=piper")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("openrtc.agents.plumber").hasMessageContaining("restaurant"));
    }

    @Test
    void aSpeechModelSetToMp3StopsTheApplicationNamingTheSetting() {
        runner.withBean("mp3", TextToSpeechModel.class, () -> speech("mp3"))
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("'mp3'")
                        .hasMessageContaining("response-format=wav"));
    }

    @Test
    void bindsTheVoiceSettingsWithLiveKitsDefaults() {
        runner.withUserConfiguration(OneOfEach.class).withPropertyValues("openrtc.voice.vad.min-silence=300ms",
                "openrtc.voice.max-endpointing-delay=2s", "openrtc.voice.noise-suppression=true",
                "openrtc.voice.provider-errors=end-session").run(context -> {
                    VoiceOptions options = context.getBean(VoiceSetup.class).options("restaurant");
                    assertThat(options.vad().minSilence()).isEqualTo(Duration.ofMillis(300));
                    assertThat(options.vad().activationThreshold()).isEqualTo(0.5);
                    assertThat(options.vad().deactivationThreshold()).isEqualTo(0.35);
                    assertThat(options.vad().prefixPadding()).isEqualTo(Duration.ofMillis(500));
                    assertThat(options.minEndpointingDelay()).isEqualTo(Duration.ofMillis(500));
                    assertThat(options.maxEndpointingDelay()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(options.noiseSuppression()).isTrue();
                    assertThat(options.providerErrors()).isEqualTo(VoiceOptions.ProviderErrorPolicy.END_SESSION);
                });
    }

    @Test
    void badVoiceSettingsStopTheApplicationNamingTheProperty() {
        for (String[] bad : new String[][] {
                {"openrtc.voice.vad.activation-threshold=1.5", "openrtc.voice.vad.activation-threshold"},
                {"openrtc.voice.vad.deactivation-threshold=0.8", "openrtc.voice.vad.deactivation-threshold"},
                {"openrtc.voice.vad.min-silence=0ms", "openrtc.voice.vad.min-silence"},
                {"openrtc.voice.max-endpointing-delay=100ms", "openrtc.voice.max-endpointing-delay"},
                {"openrtc.voice.stt.timeout=0s", "openrtc.voice.stt.timeout"}}) {
            runner.withPropertyValues(bad[0]).run(context -> assertThat(context).getFailure().rootCause()
                    .as(bad[0]).hasMessageContaining(bad[1]));
        }
    }
}
