package io.openrtc.voice;

import io.openrtc.agent.Agent;
import io.openrtc.voice.llm.AgentTool;
import java.util.List;
import java.util.Objects;

/**
 * Where each agent's voice gets its options and providers. The Spring Boot starter builds one
 * from {@code openrtc.voice.*}, {@code openrtc.defaults.*}, {@code openrtc.agents.<name>.*} and the
 * application's Spring AI model beans; plain Java code passes one to
 * {@code AgentPool.builder().voice(...)}.
 */
public interface VoiceSetup {

    /** The options of {@code agentName}'s voice. */
    VoiceOptions options(String agentName);

    /** The providers of {@code agentName}'s voice. */
    VoiceProviders providers(String agentName);

    /**
     * The providers of {@code agentName}'s voice in a session of {@code tenant}, so that each
     * customer's calls use its own models and keys (under Spring Boot
     * {@code openrtc.tenants.<id>.stt|tts|llm}). By default the agent's, whatever the tenant.
     */
    default VoiceProviders providers(String agentName, String tenant) {
        return providers(agentName);
    }

    /**
     * The tools the framework finds for an agent, besides its own {@link VoiceAgent#tools()}
     * (under Spring: its {@code @Tool} methods and the {@code ToolCallback} beans it names).
     *
     * @param agent the instance serving the session
     */
    default List<AgentTool> tools(String agentName, Agent agent) {
        return List.of();
    }

    /** The same options and providers for every agent. */
    static VoiceSetup of(VoiceOptions options, VoiceProviders providers) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(providers, "providers");
        return new VoiceSetup() {
            @Override
            public VoiceOptions options(String agentName) {
                return options;
            }

            @Override
            public VoiceProviders providers(String agentName) {
                return providers;
            }
        };
    }
}
