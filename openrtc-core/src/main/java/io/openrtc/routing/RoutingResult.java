package io.openrtc.routing;

import io.openrtc.observe.DeclineReason;
import java.util.Objects;

/** The router's final answer for a job. */
public sealed interface RoutingResult {

    /** {@code agentName} serves the job; {@code signal} says why. */
    record Routed(String agentName, RouteSignal signal) implements RoutingResult {
        public Routed {
            Objects.requireNonNull(agentName, "agentName");
            Objects.requireNonNull(signal, "signal");
        }
    }

    /** No agent here may serve the job; decline it for {@code reason}. */
    record Unroutable(DeclineReason reason, String detail) implements RoutingResult {
        public Unroutable {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
