package io.openrtc.spring.autoconfigure;

import io.openrtc.agent.AgentRegistry;
import io.openrtc.spring.ai.SpringAiSpeechToText;
import io.openrtc.spring.ai.SpringAiTextToSpeech;
import io.openrtc.voice.VoiceOptions;
import io.openrtc.voice.VoiceProviders;
import io.openrtc.voice.VoiceSetup;
import io.openrtc.voice.stt.SpeechToText;
import io.openrtc.voice.tts.TextToSpeech;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.ai.audio.transcription.TranscriptionModel;
import org.springframework.ai.audio.tts.TextToSpeechModel;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * Each agent's voice providers, from the application's Spring AI model beans: the bean named by
 * {@code openrtc.agents.<name>.stt|tts}, else by {@code openrtc.defaults.stt|tts}, else the
 * application's only (or primary) bean of the type. Everything is resolved when the application
 * starts, so a name that matches no bean, or a choice left open between several beans, stops it
 * with a message naming the property, never a failure at the first call.
 */
final class SpringVoiceProviders implements VoiceSetup {

    private final VoiceOptions options;
    private final Map<String, VoiceProviders> byAgent = new LinkedHashMap<>();

    SpringVoiceProviders(ConfigurableListableBeanFactory beans, OpenRtcProperties properties, OpenRtcVoiceProperties voice,
            AgentRegistry agents) {
        this.options = voice.toOptions();
        for (String agent : properties.agents().keySet()) {
            if (agents.find(agent).isEmpty()) {
                throw new IllegalStateException("openrtc.agents." + agent + " configures an agent that is not registered; "
                        + "registered agents: " + agents.names());
            }
        }
        Map<String, SpeechToText> stts = new LinkedHashMap<>();
        Map<String, TextToSpeech> ttss = new LinkedHashMap<>();
        for (String agent : agents.names()) {
            OpenRtcProperties.AgentProperties own = properties.agents().get(agent);
            Optional<String> sttBean = choose(beans, TranscriptionModel.class, "stt", agent, own == null ? "" : own.stt(),
                    properties.defaults().stt());
            Optional<String> ttsBean = choose(beans, TextToSpeechModel.class, "tts", agent, own == null ? "" : own.tts(),
                    properties.defaults().tts());
            SpeechToText stt = sttBean.map(name -> stts.computeIfAbsent(name,
                    n -> new SpringAiSpeechToText(beans.getBean(n, TranscriptionModel.class), n))).orElse(null);
            TextToSpeech tts = ttsBean.map(name -> ttss.computeIfAbsent(name, n -> textToSpeech(beans, n, voice))).orElse(null);
            byAgent.put(agent, new VoiceProviders(stt, tts));
        }
    }

    /** Whether no agent got any provider (the application has no Spring AI audio model). */
    boolean isEmpty() {
        return byAgent.values().stream().allMatch(p -> p.stt() == null && p.tts() == null);
    }

    @Override
    public VoiceOptions options(String agentName) {
        return options;
    }

    @Override
    public VoiceProviders providers(String agentName) {
        return byAgent.getOrDefault(agentName, VoiceProviders.NONE);
    }

    private static TextToSpeech textToSpeech(ConfigurableListableBeanFactory beans, String name, OpenRtcVoiceProperties voice) {
        try {
            return new SpringAiTextToSpeech(beans.getBean(name, TextToSpeechModel.class), name, voice.tts().streaming());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The bean name for one agent's step: its own setting, the default setting, or the only candidate. */
    private static Optional<String> choose(ConfigurableListableBeanFactory beans, Class<?> type, String step, String agent,
            String own, String fallback) {
        String[] candidates = beans.getBeanNamesForType(type);
        String property = !own.isBlank() ? "openrtc.agents." + agent + "." + step : "openrtc.defaults." + step;
        String named = !own.isBlank() ? own.strip() : fallback.strip();
        if (!named.isEmpty()) {
            if (Arrays.asList(candidates).contains(named)) {
                return Optional.of(named);
            }
            throw new IllegalStateException(property + "=" + named + " names no " + type.getSimpleName() + " bean; the "
                    + type.getSimpleName() + " beans are " + Arrays.toString(candidates));
        }
        if (candidates.length == 0) {
            return Optional.empty();
        }
        if (candidates.length == 1) {
            return Optional.of(candidates[0]);
        }
        String[] primary = Arrays.stream(candidates)
                .filter(name -> beans.containsBeanDefinition(name) && beans.getBeanDefinition(name).isPrimary())
                .toArray(String[]::new);
        if (primary.length == 1) {
            return Optional.of(primary[0]);
        }
        throw new IllegalStateException("Agent '" + agent + "' could use any of the " + type.getSimpleName() + " beans "
                + Arrays.toString(candidates) + ": choose one with openrtc.defaults." + step + " (or openrtc.agents." + agent
                + "." + step + ")");
    }
}
