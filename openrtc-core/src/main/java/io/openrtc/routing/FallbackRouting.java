package io.openrtc.routing;

import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.JobInfo;

/** The last step: the first registered agent serves any job nothing else routed. */
public final class FallbackRouting implements RoutingStrategy {

    @Override
    public RouteDecision route(JobInfo job, AgentRegistry agents) {
        return new RouteDecision.Matched(agents.first().name(), RouteSignal.FALLBACK);
    }

    @Override
    public String toString() {
        return "FallbackRouting";
    }
}
