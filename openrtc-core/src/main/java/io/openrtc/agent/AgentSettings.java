package io.openrtc.agent;

import java.util.Objects;

/**
 * Per-agent settings from {@link AgentConfig} (or from {@code openrtc.defaults.*} where the
 * annotation leaves them empty).
 *
 * @param greeting        what the agent may say first; empty for none
 * @param description     for operators
 * @param participantName the display name of the agent's participant; empty for the agent name
 */
public record AgentSettings(String greeting, String description, String participantName) {

    /** No greeting, no description, the agent name as display name. */
    public static final AgentSettings DEFAULTS = new AgentSettings("", "", "");

    public AgentSettings {
        greeting = Objects.requireNonNullElse(greeting, "");
        description = Objects.requireNonNullElse(description, "");
        participantName = Objects.requireNonNullElse(participantName, "");
    }

    /** The settings an annotation declares; {@link #DEFAULTS} for null. */
    public static AgentSettings from(AgentConfig config) {
        return config == null ? DEFAULTS : new AgentSettings(config.greeting(), config.description(), config.participantName());
    }

    /** These settings with empty values filled from {@code defaults}. */
    public AgentSettings orElse(AgentSettings defaults) {
        return new AgentSettings(
                greeting.isEmpty() ? defaults.greeting() : greeting,
                description.isEmpty() ? defaults.description() : description,
                participantName.isEmpty() ? defaults.participantName() : participantName);
    }
}
