package io.openrtc.routing;

import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.JobInfo;

/**
 * One step of the routing chain. Strategies run in order and the first that does not answer
 * {@link RouteDecision.NoMatch} decides. User strategies (Spring beans of this type) run before
 * the built-in ones.
 *
 * <p>Called when LiveKit offers the job, inside its ~3 s answer budget: no I/O, no blocking.
 */
@FunctionalInterface
public interface RoutingStrategy {

    /** Decides for {@code job}, given the registered {@code agents}. Must not throw. */
    RouteDecision route(JobInfo job, AgentRegistry agents);
}
