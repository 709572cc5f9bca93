package io.openrtc.routing;

import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.JobInfo;
import io.openrtc.observe.DeclineReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which registered agent serves a job: the user's strategies first, then the chain of
 * OpenRTC-Python, first match wins:
 * <ol>
 * <li>job metadata {@code agent}, then {@code demo};</li>
 * <li>room metadata {@code agent}, then {@code demo};</li>
 * <li>room-name prefix {@code <agent>-};</li>
 * <li>the first registered agent (left out with {@code acceptOnlyRegisteredRooms}).</li>
 * </ol>
 * Metadata naming an agent that is not registered declines the job
 * ({@link DeclineReason#UNKNOWN_AGENT}); it never falls back silently.
 */
public final class AgentRouter {

    private static final Logger log = LoggerFactory.getLogger(AgentRouter.class);

    private final AgentRegistry agents;
    private final List<RoutingStrategy> chain;
    private final int customCount;

    /**
     * @param agents                    the registered agents
     * @param customStrategies          user strategies, asked first, in order
     * @param acceptOnlyRegisteredRooms when true, a job that no explicit signal (metadata, room
     *                                  name, custom strategy) maps to a registered agent is
     *                                  declined instead of served by the first agent
     */
    public AgentRouter(AgentRegistry agents, List<? extends RoutingStrategy> customStrategies, boolean acceptOnlyRegisteredRooms) {
        this.agents = Objects.requireNonNull(agents, "agents");
        List<RoutingStrategy> strategies = new ArrayList<>(customStrategies);
        this.customCount = strategies.size();
        strategies.add(MetadataRouting.jobMetadata());
        strategies.add(MetadataRouting.roomMetadata());
        strategies.add(new RoomNamePrefixRouting());
        if (!acceptOnlyRegisteredRooms) {
            strategies.add(new FallbackRouting());
        }
        this.chain = List.copyOf(strategies);
    }

    /** A router with the built-in chain only. */
    public static AgentRouter withDefaults(AgentRegistry agents) {
        return new AgentRouter(agents, List.of(), false);
    }

    /** The registered agents. */
    public AgentRegistry agents() {
        return agents;
    }

    /** Routes {@code job}. Never throws: a failing custom strategy declines the job with ERROR. */
    public RoutingResult route(JobInfo job) {
        for (int i = 0; i < chain.size(); i++) {
            RoutingStrategy strategy = chain.get(i);
            RouteDecision decision;
            try {
                decision = strategy.route(job, agents);
            } catch (RuntimeException e) {
                log.warn("Routing strategy {} failed for job {}; declining it", strategy, job.jobId(), e);
                return new RoutingResult.Unroutable(DeclineReason.ERROR, "routing strategy " + strategy + " failed: " + e);
            }
            boolean custom = i < customCount;
            switch (decision) {
                case RouteDecision.NoMatch ignored -> {
                    // ask the next strategy
                }
                case RouteDecision.Matched matched -> {
                    if (!agents.contains(matched.agentName())) {
                        return unknown(job, matched.agentName(), custom ? RouteSignal.CUSTOM : matched.signal());
                    }
                    return new RoutingResult.Routed(matched.agentName(), custom ? RouteSignal.CUSTOM : matched.signal());
                }
                case RouteDecision.UnknownAgent unknownAgent -> {
                    return unknown(job, unknownAgent.requestedAgent(), custom ? RouteSignal.CUSTOM : unknownAgent.signal());
                }
            }
        }
        String detail = "no explicit signal maps job " + job.jobId() + " (room '" + job.roomName()
                + "') to a registered agent " + agents.names() + " and openrtc.routing.accept-only-registered-rooms is set";
        log.info("Declining job {}: {}", job.jobId(), detail);
        return new RoutingResult.Unroutable(DeclineReason.NO_MATCHING_AGENT, detail);
    }

    private RoutingResult unknown(JobInfo job, String requested, RouteSignal signal) {
        String detail = "job " + job.jobId() + " (room '" + job.roomName() + "') asks for agent '" + requested
                + "' via " + signal.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + ", which is not registered here; registered: " + agents.names();
        log.warn("Declining job {}: {}", job.jobId(), detail);
        return new RoutingResult.Unroutable(DeclineReason.UNKNOWN_AGENT, detail);
    }
}
