package io.openrtc.routing;

import java.util.Objects;

/** What one {@link RoutingStrategy} concludes about a job. */
public sealed interface RouteDecision {

    /** The job goes to {@code agentName}. */
    record Matched(String agentName, RouteSignal signal) implements RouteDecision {
        public Matched {
            Objects.requireNonNull(agentName, "agentName");
            Objects.requireNonNull(signal, "signal");
        }
    }

    /**
     * The job explicitly asks for {@code requestedAgent}, which is not registered here: decline it
     * rather than let a later step serve it with the wrong agent.
     */
    record UnknownAgent(String requestedAgent, RouteSignal signal) implements RouteDecision {
        public UnknownAgent {
            Objects.requireNonNull(requestedAgent, "requestedAgent");
            Objects.requireNonNull(signal, "signal");
        }
    }

    /** This strategy has no opinion; ask the next one. */
    record NoMatch() implements RouteDecision {
    }

    /** The shared {@link NoMatch} instance. */
    RouteDecision NO_MATCH = new NoMatch();
}
