package io.openrtc.rtc;

import java.util.Optional;

/**
 * The state an agent shows to LiveKit's front ends through its {@code lk.agent.state} attribute
 * ({@link Room#setAgentState}). LiveKit's agent UIs treat an agent as "connecting" until the
 * attribute is set, and mark the session failed if it never reaches {@link #LISTENING},
 * {@link #THINKING} or {@link #SPEAKING}.
 */
public enum AgentState {
    INITIALIZING("initializing"),
    IDLE("idle"),
    LISTENING("listening"),
    THINKING("thinking"),
    SPEAKING("speaking");

    /** The participant attribute that carries the state. */
    public static final String ATTRIBUTE = "lk.agent.state";

    private final String wireValue;

    AgentState(String wireValue) {
        this.wireValue = wireValue;
    }

    /** The attribute's value, for example {@code listening}. */
    public String wireValue() {
        return wireValue;
    }

    /** The state an attribute value names, if it is one of these. */
    public static Optional<AgentState> fromWireValue(String value) {
        for (AgentState state : values()) {
            if (state.wireValue.equals(value)) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }

    /** The state a participant shows, if it sets {@link #ATTRIBUTE}. */
    public static Optional<AgentState> of(Participant participant) {
        return fromWireValue(participant.attributes().getOrDefault(ATTRIBUTE, ""));
    }
}
