package io.openrtc.routing;

import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.JobInfo;
import io.openrtc.observe.RateLimitedLog;
import io.openrtc.observe.DeclineReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which registered agent serves a job: the user's strategies first, then the chain of
 * OpenRTC-Python, first match wins:
 * <ol>
 * <li>job metadata {@code agent}, then {@code demo};</li>
 * <li>room metadata {@code agent}, then {@code demo};</li>
 * <li>room-name prefix {@code <agent>-};</li>
 * <li>the default agent: {@code openrtc.routing.default-agent}, else the first registered one
 *     (left out with {@code acceptOnlyRegisteredRooms}).</li>
 * </ol>
 * Metadata naming an agent that is not registered declines the job
 * ({@link DeclineReason#UNKNOWN_AGENT}); it never falls back silently. Metadata that cannot be
 * read (not JSON, not an object, a key that is not a string) is logged, at most once per 10 s for
 * each of job and room metadata, naming the job and what is wrong, and counted
 * ({@link #invalidMetadata(RouteSignal)}); the chain then goes on.
 *
 * <p>Thread-safe: offers are routed side by side. Each custom strategy runs on a virtual thread
 * of its own and gets at most {@link RoutingOptions#strategyTimeout()} per job; one that takes
 * longer is interrupted and the job declined ({@link DeclineReason#ERROR}), so a slow strategy
 * costs its job, never LiveKit's answer budget for the others.
 */
public final class AgentRouter {

    private static final Logger log = LoggerFactory.getLogger(AgentRouter.class);

    private final AgentRegistry agents;
    private final List<RoutingStrategy> chain;
    private final int customCount;
    private final Duration strategyTimeout;
    private final LongAdder invalidJobMetadata = new LongAdder();
    private final LongAdder invalidRoomMetadata = new LongAdder();
    private final RateLimitedLog jobMetadataLog = new RateLimitedLog();
    private final RateLimitedLog roomMetadataLog = new RateLimitedLog();

    /**
     * A router with the first registered agent as the fallback and the default strategy timeout.
     *
     * @param agents                    the registered agents
     * @param customStrategies          user strategies, asked first, in order
     * @param acceptOnlyRegisteredRooms when true, a job that no explicit signal (metadata, room
     *                                  name, custom strategy) maps to a registered agent is
     *                                  declined instead of served by the first agent
     */
    public AgentRouter(AgentRegistry agents, List<? extends RoutingStrategy> customStrategies, boolean acceptOnlyRegisteredRooms) {
        this(agents, customStrategies, RoutingOptions.defaults().withAcceptOnlyRegisteredRooms(acceptOnlyRegisteredRooms));
    }

    /**
     * @param agents           the registered agents
     * @param customStrategies user strategies, asked first, in order
     * @param options          the fallback and the strategies' time limit
     * @throws IllegalArgumentException when {@code options} name a default agent that is not registered
     */
    public AgentRouter(AgentRegistry agents, List<? extends RoutingStrategy> customStrategies, RoutingOptions options) {
        this.agents = Objects.requireNonNull(agents, "agents");
        Objects.requireNonNull(options, "options");
        options.defaultAgent().ifPresent(name -> {
            if (!agents.contains(name)) {
                throw new IllegalArgumentException("openrtc.routing.default-agent is '" + name
                        + "', which is not a registered agent; registered: " + agents.names());
            }
        });
        this.strategyTimeout = options.strategyTimeout();
        List<RoutingStrategy> strategies = new ArrayList<>(customStrategies);
        this.customCount = strategies.size();
        strategies.add(MetadataRouting.jobMetadata(this::invalidJobMetadata));
        strategies.add(MetadataRouting.roomMetadata(this::invalidRoomMetadata));
        strategies.add(new RoomNamePrefixRouting());
        if (!options.acceptOnlyRegisteredRooms()) {
            strategies.add(options.defaultAgent().map(FallbackRouting::new).orElseGet(FallbackRouting::new));
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

    /**
     * Jobs whose metadata of {@code source} ({@link RouteSignal#JOB_METADATA} or
     * {@link RouteSignal#ROOM_METADATA}) could not be read, since this router was built.
     */
    public long invalidMetadata(RouteSignal source) {
        return switch (source) {
            case JOB_METADATA -> invalidJobMetadata.sum();
            case ROOM_METADATA -> invalidRoomMetadata.sum();
            default -> 0;
        };
    }

    /**
     * Asks the built-in strategies about {@code job} and forgets their answers, so their code is
     * loaded before the first real offer; user strategies are not called and see real jobs only.
     */
    public void warmUp(JobInfo job) {
        for (int i = customCount; i < chain.size(); i++) {
            chain.get(i).route(job, agents);
        }
    }

    /**
     * Routes {@code job}. Never throws: a failing custom strategy, or one past its time limit,
     * declines the job with ERROR.
     */
    public RoutingResult route(JobInfo job) {
        for (int i = 0; i < chain.size(); i++) {
            RoutingStrategy strategy = chain.get(i);
            boolean custom = i < customCount;
            RouteDecision decision;
            try {
                decision = custom ? bounded(strategy, job) : strategy.route(job, agents);
            } catch (TimeoutException e) {
                log.warn("Routing strategy {} did not answer within {} (openrtc.routing.strategy-timeout) for job {}; "
                        + "interrupted it and declined the job", strategy, strategyTimeout, job.jobId());
                return new RoutingResult.Unroutable(DeclineReason.ERROR, "routing strategy " + strategy
                        + " did not answer within " + strategyTimeout + " (openrtc.routing.strategy-timeout)");
            } catch (RuntimeException e) {
                log.warn("Routing strategy {} failed for job {}; declining it", strategy, job.jobId(), e);
                return new RoutingResult.Unroutable(DeclineReason.ERROR, "routing strategy " + strategy + " failed: " + e);
            }
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

    /**
     * Runs a user strategy on a virtual thread of its own, for at most the strategy timeout; past
     * it the thread is interrupted (a strategy blocked in I/O or a lock then lets go).
     */
    private RouteDecision bounded(RoutingStrategy strategy, JobInfo job) throws TimeoutException {
        CompletableFuture<RouteDecision> decision = new CompletableFuture<>();
        Thread thread = Thread.ofVirtual().name("openrtc-routing-" + job.jobId()).start(() -> {
            try {
                decision.complete(Objects.requireNonNull(strategy.route(job, agents), "the strategy's decision"));
            } catch (Throwable t) {
                decision.completeExceptionally(t);
            }
        });
        try {
            return decision.get(strategyTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            thread.interrupt();
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking routing strategy " + strategy, e);
        }
    }

    private void invalidJobMetadata(JobInfo job, String problem) {
        invalidJobMetadata.increment();
        warnInvalid(jobMetadataLog, "job", job, problem);
    }

    private void invalidRoomMetadata(JobInfo job, String problem) {
        invalidRoomMetadata.increment();
        warnInvalid(roomMetadataLog, "room", job, problem);
    }

    private static void warnInvalid(RateLimitedLog limit, String source, JobInfo job, String problem) {
        long heldBack = limit.permit();
        if (heldBack >= 0) {
            log.warn("The {} metadata of job {} (room '{}') cannot name an agent: it is {}; routing goes on without it"
                    + "{}", source, job.jobId(), job.roomName(), problem,
                    heldBack == 0 ? "" : " (" + heldBack + " more jobs with unreadable " + source
                            + " metadata since the last such warning)");
        } else {
            log.debug("The {} metadata of job {} cannot name an agent: it is {}", source, job.jobId(), problem);
        }
    }

    private RoutingResult unknown(JobInfo job, String requested, RouteSignal signal) {
        String detail = "job " + job.jobId() + " (room '" + job.roomName() + "') asks for agent '" + requested
                + "' via " + signal.name().toLowerCase(Locale.ROOT).replace('_', ' ')
                + ", which is not registered here; registered: " + agents.names();
        log.warn("Declining job {}: {}", job.jobId(), detail);
        return new RoutingResult.Unroutable(DeclineReason.UNKNOWN_AGENT, detail);
    }
}
