package io.openrtc.agent;

import java.util.Objects;

/**
 * One registered agent: its name, where its instances come from, and its settings.
 *
 * @param name     the routing name (see {@link AgentNames})
 * @param provider gives the instance for each session
 * @param settings greeting and other per-agent settings
 */
public record AgentRegistration(String name, AgentProvider provider, AgentSettings settings) {

    public AgentRegistration {
        AgentNames.requireValid(name);
        Objects.requireNonNull(provider, "provider");
        settings = settings == null ? AgentSettings.DEFAULTS : settings;
    }

    /**
     * Registers a singleton agent, reading name and settings from its {@link AgentConfig}
     * annotation when present (else the name is derived from the class).
     */
    public static AgentRegistration of(Agent agent) {
        Objects.requireNonNull(agent, "agent");
        AgentConfig config = agent.getClass().getAnnotation(AgentConfig.class);
        String name = config == null || config.name().isEmpty() ? AgentNames.derive(agent.getClass()) : config.name();
        return new AgentRegistration(name, AgentProvider.singleton(agent), AgentSettings.from(config));
    }
}
