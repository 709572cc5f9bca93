package io.openrtc.routing;

import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.JobInfo;
import java.util.Objects;

/**
 * The last step: the default agent serves any job nothing else routed. That is
 * {@code openrtc.routing.default-agent} when set (under Spring, else the agent first in
 * {@code @Order}), else the first registered agent.
 */
public final class FallbackRouting implements RoutingStrategy {

    private final String defaultAgent;

    /** The first registered agent serves the jobs nothing else routes. */
    public FallbackRouting() {
        this.defaultAgent = null;
    }

    /** {@code defaultAgent} serves the jobs nothing else routes. */
    public FallbackRouting(String defaultAgent) {
        this.defaultAgent = Objects.requireNonNull(defaultAgent, "defaultAgent");
    }

    @Override
    public RouteDecision route(JobInfo job, AgentRegistry agents) {
        return new RouteDecision.Matched(defaultAgent != null ? defaultAgent : agents.first().name(), RouteSignal.FALLBACK);
    }

    @Override
    public String toString() {
        return defaultAgent == null ? "FallbackRouting" : "FallbackRouting[" + defaultAgent + "]";
    }
}
