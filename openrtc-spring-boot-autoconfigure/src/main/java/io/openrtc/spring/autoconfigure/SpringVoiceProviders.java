package io.openrtc.spring.autoconfigure;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentNames;
import io.openrtc.agent.AgentRegistry;
import io.openrtc.spring.ai.SpringAiLanguageModel;
import io.openrtc.spring.ai.SpringAiSpeechToText;
import io.openrtc.spring.ai.SpringAiTextToSpeech;
import io.openrtc.spring.ai.SpringAiTool;
import io.openrtc.voice.VoiceAgent;
import io.openrtc.voice.VoiceOptions;
import io.openrtc.voice.VoiceProviders;
import io.openrtc.voice.VoiceSetup;
import io.openrtc.voice.llm.AgentTool;
import io.openrtc.voice.llm.LanguageModel;
import io.openrtc.voice.stt.SpeechToText;
import io.openrtc.voice.tts.TextToSpeech;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.ai.audio.transcription.TranscriptionModel;
import org.springframework.ai.audio.tts.TextToSpeechModel;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * Each agent's voice providers, from the application's Spring AI model beans: the bean named by
 * {@code openrtc.agents.<name>.stt|tts|llm}, else by {@code openrtc.defaults.stt|tts|llm}, else
 * the application's only (or primary) bean of the type; in a session of a tenant that names its
 * own ({@code openrtc.tenants.<id>.stt|tts|llm}), that tenant's bean instead; and each voice agent's tools, its
 * {@code @Tool} methods and the beans {@code openrtc.agents.<name>.tools} names. Everything is
 * resolved when the application starts, so a name that matches no bean, a choice left open
 * between several beans, or a voice agent without a model it needs stops it with a message
 * naming the property, never a failure at the first call.
 */
final class SpringVoiceProviders implements VoiceSetup {

    private final VoiceOptions options;
    private final Map<String, VoiceProviders> byAgent = new LinkedHashMap<>();
    /** Tenants that choose providers of their own: tenant, then agent. */
    private final Map<String, Map<String, VoiceProviders>> byTenant = new LinkedHashMap<>();
    private final Map<String, List<AgentTool>> namedTools = new LinkedHashMap<>();

    SpringVoiceProviders(ConfigurableListableBeanFactory beans, OpenRtcProperties properties, OpenRtcVoiceProperties voice,
            AgentRegistry agents) {
        this.options = voice.toOptions();
        for (String agent : properties.agents().keySet()) {
            if (agents.find(agent).isEmpty()) {
                throw new IllegalStateException("openrtc.agents." + agent + " configures an agent that is not registered; "
                        + "registered agents: " + agents.names());
            }
        }
        Set<String> voiceAgents = voiceAgentNames(beans);
        Map<String, SpeechToText> stts = new LinkedHashMap<>();
        Map<String, TextToSpeech> ttss = new LinkedHashMap<>();
        Map<String, LanguageModel> llms = new LinkedHashMap<>();
        OpenRtcProperties.Defaults defaults = properties.defaults();
        for (String agent : agents.names()) {
            OpenRtcProperties.AgentProperties own = properties.agents().get(agent);
            SpeechToText stt = choose(beans, TranscriptionModel.class, "stt", agent, own == null ? "" : own.stt(), defaults.stt())
                    .map(name -> stts.computeIfAbsent(name, n -> new SpringAiSpeechToText(beans.getBean(n, TranscriptionModel.class), n)))
                    .orElse(null);
            TextToSpeech tts = choose(beans, TextToSpeechModel.class, "tts", agent, own == null ? "" : own.tts(), defaults.tts())
                    .map(name -> ttss.computeIfAbsent(name, n -> textToSpeech(beans, n, voice))).orElse(null);
            LanguageModel llm = choose(beans, ChatModel.class, "llm", agent, own == null ? "" : own.llm(), defaults.llm())
                    .map(name -> llms.computeIfAbsent(name, n -> new SpringAiLanguageModel(beans.getBean(n, ChatModel.class), n)))
                    .orElse(null);
            if (voiceAgents.contains(agent)) {
                requireModels(agent, own != null && own.textOnly(), stt, tts, llm);
            }
            byAgent.put(agent, new VoiceProviders(stt, tts, llm));
            namedTools.put(agent, tools(beans, agent, own == null ? List.of() : own.tools()));
        }
        properties.tenants().forEach((tenant, settings) -> {
            if (settings.stt().isEmpty() && settings.tts().isEmpty() && settings.llm().isEmpty()) {
                return;
            }
            String prefix = "openrtc.tenants." + tenant + ".";
            SpeechToText stt = named(beans, TranscriptionModel.class, prefix + "stt", settings.stt())
                    .map(name -> stts.computeIfAbsent(name, n -> new SpringAiSpeechToText(beans.getBean(n, TranscriptionModel.class), n)))
                    .orElse(null);
            TextToSpeech tts = named(beans, TextToSpeechModel.class, prefix + "tts", settings.tts())
                    .map(name -> ttss.computeIfAbsent(name, n -> textToSpeech(beans, n, voice))).orElse(null);
            LanguageModel llm = named(beans, ChatModel.class, prefix + "llm", settings.llm())
                    .map(name -> llms.computeIfAbsent(name, n -> new SpringAiLanguageModel(beans.getBean(n, ChatModel.class), n)))
                    .orElse(null);
            Map<String, VoiceProviders> own = new LinkedHashMap<>();
            byAgent.forEach((agent, base) -> own.put(agent, new VoiceProviders(stt != null ? stt : base.stt(),
                    tts != null ? tts : base.tts(), llm != null ? llm : base.llm())));
            byTenant.put(tenant, own);
        });
    }

    /** Whether no agent got any provider (the application has no Spring AI model): no voice, and no VAD to load. */
    boolean isEmpty() {
        return byTenant.isEmpty()
                && byAgent.values().stream().allMatch(p -> p.stt() == null && p.tts() == null && p.llm() == null);
    }

    @Override
    public VoiceOptions options(String agentName) {
        return options;
    }

    @Override
    public VoiceProviders providers(String agentName) {
        return byAgent.getOrDefault(agentName, VoiceProviders.NONE);
    }

    /** The agent's providers, with those its session's tenant chose ({@code openrtc.tenants.<id>.stt|tts|llm}) instead. */
    @Override
    public VoiceProviders providers(String agentName, String tenant) {
        Map<String, VoiceProviders> own = byTenant.get(tenant);
        return own == null ? providers(agentName) : own.getOrDefault(agentName, VoiceProviders.NONE);
    }

    @Override
    public List<AgentTool> tools(String agentName, Agent agent) {
        List<AgentTool> tools = new ArrayList<>(SpringAiTool.fromToolMethods(agent));
        tools.addAll(namedTools.getOrDefault(agentName, List.of()));
        return tools;
    }

    private static void requireModels(String agent, boolean textOnly, SpeechToText stt, TextToSpeech tts, LanguageModel llm) {
        List<String> missing = new ArrayList<>();
        if (llm == null) {
            missing.add("a language model (a Spring AI ChatModel bean; openrtc.agents." + agent + ".llm)");
        }
        if (!textOnly && stt == null) {
            missing.add("speech-to-text (a Spring AI TranscriptionModel bean; openrtc.agents." + agent + ".stt)");
        }
        if (!textOnly && tts == null) {
            missing.add("text-to-speech (a Spring AI TextToSpeechModel bean; openrtc.agents." + agent + ".tts)");
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Voice agent '" + agent + "' is missing " + String.join("; and ", missing)
                    + (textOnly || llm == null ? "" : "; an agent that only types can set openrtc.agents." + agent + ".text-only=true"));
        }
    }

    /** The registered names of the application's {@link VoiceAgent} beans. */
    private static Set<String> voiceAgentNames(ConfigurableListableBeanFactory beans) {
        Set<String> names = new LinkedHashSet<>();
        for (String bean : beans.getBeanNamesForType(VoiceAgent.class, true, false)) {
            AgentConfig config = beans.findAnnotationOnBean(bean, AgentConfig.class);
            if (config != null) {
                names.add(config.name().isEmpty() ? AgentNames.derive(ClassUtils.getUserClass(beans.getType(bean))) : config.name());
            }
        }
        return names;
    }

    private static List<AgentTool> tools(ConfigurableListableBeanFactory beans, String agent, List<String> names) {
        List<AgentTool> tools = new ArrayList<>();
        for (String name : names) {
            if (!beans.containsBean(name)) {
                throw new IllegalStateException("openrtc.agents." + agent + ".tools names '" + name + "', which is no bean; the "
                        + "ToolCallback beans are " + Arrays.toString(beans.getBeanNamesForType(ToolCallback.class)));
            }
            Object bean = beans.getBean(name);
            if (bean instanceof ToolCallback callback) {
                tools.add(new SpringAiTool(callback));
            } else if (bean instanceof ToolCallbackProvider provider) {
                Arrays.stream(provider.getToolCallbacks()).map(SpringAiTool::new).forEach(tools::add);
            } else {
                throw new IllegalStateException("openrtc.agents." + agent + ".tools names bean '" + name + "', which is "
                        + bean.getClass().getName() + ", not a Spring AI ToolCallback or ToolCallbackProvider");
            }
        }
        return tools;
    }

    private static TextToSpeech textToSpeech(ConfigurableListableBeanFactory beans, String name, OpenRtcVoiceProperties voice) {
        try {
            return new SpringAiTextToSpeech(beans.getBean(name, TextToSpeechModel.class), name, voice.tts().streaming());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The bean {@code property} names, checked to be one of {@code type}; empty when the property is empty. */
    private static Optional<String> named(ConfigurableListableBeanFactory beans, Class<?> type, String property, String name) {
        if (name.isEmpty()) {
            return Optional.empty();
        }
        String[] candidates = beans.getBeanNamesForType(type);
        if (Arrays.asList(candidates).contains(name)) {
            return Optional.of(name);
        }
        throw new IllegalStateException(property + "=" + name + " names no " + type.getSimpleName() + " bean; the "
                + type.getSimpleName() + " beans are " + Arrays.toString(candidates));
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
                + "." + step + "); a tenant's own choice (openrtc.tenants.<id>." + step + ") applies to that tenant's "
                + "sessions only, the others (the default tenant's among them) need this one");
    }
}
