package io.openrtc.routing;

import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.JobInfo;

/**
 * One step of the routing chain. Strategies run in order and the first that does not answer
 * {@link RouteDecision.NoMatch} decides. User strategies (Spring beans of this type) run before
 * the built-in ones.
 *
 * <p>Called when LiveKit offers the job, inside its ~3 s answer budget: keep it quick. Offers
 * are routed side by side, so an implementation must be thread-safe. Each call runs on a virtual
 * thread of its own and gets at most {@code openrtc.routing.strategy-timeout} (500 ms by
 * default); past it the job is declined and the thread interrupted.
 */
@FunctionalInterface
public interface RoutingStrategy {

    /** Decides for {@code job}, given the registered {@code agents}. Must not throw. */
    RouteDecision route(JobInfo job, AgentRegistry agents);
}
