package io.openrtc.spring.actuate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcSnapshot;
import io.openrtc.routing.RouteSignal;
import io.openrtc.runtime.AgentPool;
import io.openrtc.tenant.TenantOptions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The OpenRTC meters (listed with their tags and what to alert on in {@code docs/metrics.md}).
 * Counters and timers follow the runtime's {@link OpenRtcEvent}s; gauges read the same
 * {@link OpenRtcSnapshot} as the health contributor and the endpoint.
 *
 * <p>It listens to the {@link AgentPool} itself ({@link AgentPool#addRuntimeListener}) rather
 * than being an {@code OpenRtcListener} bean: on the runtime's own dispatcher, a slow or blocking
 * application listener can neither delay nor drop what the counters count, and the pool (needed
 * for the gauges) is built from the listener beans.
 */
public class OpenRtcMetrics implements MeterBinder {

    private static final String OUTCOME_SUCCESS = "success";
    private static final List<String> OUTCOMES = List.of(OUTCOME_SUCCESS, "failed", "cancelled");
    /** Gauges of one scrape read one snapshot: they are taken at most this often. */
    private static final Duration SNAPSHOT_MAX_AGE = Duration.ofMillis(200);
    /**
     * Histogram buckets of the dispatch latency: LiveKit gives a worker a few seconds to answer
     * and join, so the interesting range is 100 ms to 10 s. Override them with
     * {@code management.metrics.distribution.slo.openrtc.dispatch.latency}.
     */
    private static final Duration[] DISPATCH_BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3),
            Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final AgentPool agentPool;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private volatile @Nullable Taken taken;

    private record Taken(long nanos, OpenRtcSnapshot snapshot) {
    }

    /**
     * Subscribes to the pool's events at once, so that counters miss no session that starts
     * before the registry binds the gauges.
     *
     * @param agentPool the runtime to measure
     */
    public OpenRtcMetrics(AgentPool agentPool) {
        this.agentPool = Objects.requireNonNull(agentPool, "agentPool");
        agentPool.addRuntimeListener(this::record);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "openrtc.worker.connected", "1 while the worker is registered with LiveKit, else 0",
                s -> s.worker().state() == ConnectionState.REGISTERED ? 1 : 0);
        gauge(registry, "openrtc.worker.load", "Active plus reserved sessions over the capacity, in [0, 1]: the load reported to LiveKit",
                s -> s.pool().load());
        gauge(registry, "openrtc.worker.draining", "1 while the worker drains (declines every new job), else 0",
                s -> s.draining() ? 1 : 0);
        gauge(registry, "openrtc.worker.broken", "1 once the worker declared itself broken (supervisor tripped, memory limit); restart it",
                s -> OpenRtcStatus.broken(s) ? 1 : 0);
        gauge(registry, "openrtc.sessions.reserved", "Jobs accepted whose assignment has not arrived yet",
                s -> s.pool().reserved());
        gauge(registry, "openrtc.sessions.abandoned", "Sessions given up after openrtc.cancel-grace whose threads still "
                + "run (they ignored their interrupt); each holds a slot until its thread ends",
                s -> s.pool().abandoned());
        gauge(registry, "openrtc.process.idle", "Prewarmed child JVMs waiting for a job (process isolation)",
                s -> s.pool().idleProcesses());
        Gauge.builder("openrtc.sessions.max", agentPool, pool -> pool.poolOptions().maxConcurrentSessions())
                .description("The most sessions this worker runs at once (openrtc.max-concurrent-sessions)")
                .register(registry);
        TenantOptions tenants = agentPool.tenants();
        List<String> tenantTags = tenants.meterTags();
        for (String agent : agentPool.agents().names()) {
            for (String tenant : tenantTags) {
                gauge(registry, "openrtc.sessions.active", "Sessions running now, by agent and tenant (tenants not listed "
                        + "under openrtc.tenants go by other)", s -> activeSessions(s, tenants, agent, tenant),
                        "agent", agent, "tenant", tenant);
            }
            gauge(registry, "openrtc.agents.unhealthy", "1 while the agent is out of service (its own code failed "
                    + "openrtc.consecutive-failure-limit sessions in a row; its jobs are declined), else 0",
                    s -> s.pool().unhealthyAgents().containsKey(agent) ? 1 : 0, "agent", agent);
            // Counters exist from the start, so rates and alerts work before the first event.
            jobsAccepted(registry, agent);
            dispatchLatency(registry, agent);
            for (String tenant : tenantTags) {
                sessionsStarted(registry, agent, tenant);
                for (String outcome : OUTCOMES) {
                    sessionsEnded(registry, agent, tenant, outcome);
                    sessionDuration(registry, agent, tenant, outcome);
                }
            }
        }
        for (DeclineReason reason : DeclineReason.values()) {
            jobsDeclined(registry, reason);
        }
        for (String tenant : tenantTags) {
            for (DeclineReason reason : DeclineReason.values()) {
                if (reason.isTenantDecision()) {
                    tenantDeclined(registry, tenant, reason);
                }
            }
            gauge(registry, "openrtc.tenant.breakers.open", "Circuit breakers of the tenant (of all tenants not listed, "
                    + "for other) that are open or half-open: their jobs are declined (but for a few trial sessions)",
                    s -> s.pool().tenantBreakers().keySet().stream().filter(t -> tenants.meterTag(t).equals(tenant)).count(),
                    "tenant", tenant);
        }
        jobsOffered(registry);
        reconnects(registry);
        // Read from the router, which counts every one; its log line is rate-limited.
        for (RouteSignal source : List.of(RouteSignal.JOB_METADATA, RouteSignal.ROOM_METADATA)) {
            FunctionCounter.builder("openrtc.jobs.metadata.invalid", agentPool.router(), router -> router.invalidMetadata(source))
                    .description("Jobs whose job or room metadata could not name an agent (not JSON, not an object, "
                            + "no string under agent or demo); routing went on without it")
                    .tag("source", source == RouteSignal.JOB_METADATA ? "job" : "room")
                    .register(registry);
        }
        for (EventPublisher.Channel channel : EventPublisher.Channel.values()) {
            FunctionCounter.builder("openrtc.events.dropped", agentPool, pool -> pool.droppedEvents(channel))
                    .description("Runtime events not delivered because the listeners fell behind (their queue was "
                            + "full): listeners=application for OpenRtcListener beans and @EventListener methods, "
                            + "listeners=runtime for the meters and readiness themselves")
                    .tag("listeners", channel.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        registries.add(registry);
    }

    /** Turns one runtime event into counts and timings, in every registry bound. */
    void record(OpenRtcEvent event) {
        for (MeterRegistry registry : registries) {
            switch (event) {
                case OpenRtcEvent.JobOffered offered -> jobsOffered(registry).increment();
                case OpenRtcEvent.JobAccepted accepted -> jobsAccepted(registry, accepted.agentName()).increment();
                case OpenRtcEvent.JobDeclined declined -> {
                    jobsDeclined(registry, declined.reason()).increment();
                    if (declined.reason().isTenantDecision() && !declined.tenant().isEmpty()) {
                        tenantDeclined(registry, tag(declined.tenant()), declined.reason()).increment();
                    }
                }
                case OpenRtcEvent.SessionStarted started ->
                        sessionsStarted(registry, started.session().agentName(), tag(started.session().tenant())).increment();
                case OpenRtcEvent.SessionRunning running ->
                        dispatchLatency(registry, running.session().agentName()).record(running.sinceOffer());
                case OpenRtcEvent.SessionEnded ended -> {
                    String agent = ended.session().agentName();
                    String tenant = tag(ended.session().tenant());
                    SessionOutcome outcome = ended.outcome();
                    sessionsEnded(registry, agent, tenant, outcome.label()).increment();
                    sessionDuration(registry, agent, tenant, outcome.label()).record(outcome.duration());
                }
                case OpenRtcEvent.WorkerDisconnected disconnected -> reconnects(registry).increment();
                default -> {
                }
            }
        }
    }

    /** The meter tag of {@code tenant}: its id when listed (or default), else other. */
    private String tag(String tenant) {
        return agentPool.tenants().meterTag(tenant);
    }

    private static int activeSessions(OpenRtcSnapshot snapshot, TenantOptions tenants, String agent, String tenant) {
        int active = 0;
        for (io.openrtc.observe.SessionInfo session : snapshot.pool().sessions()) {
            if (session.agentName().equals(agent) && tenants.meterTag(session.tenant()).equals(tenant)) {
                active++;
            }
        }
        return active;
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<OpenRtcSnapshot> value,
                       String... tags) {
        Gauge.builder(name, this, metrics -> {
                    OpenRtcSnapshot snapshot = metrics.snapshot();
                    return snapshot == null ? 0 : value.applyAsDouble(snapshot);
                })
                .description(description).tags(tags).register(registry);
    }

    /** A snapshot at most {@link #SNAPSHOT_MAX_AGE} old; null before the worker started. */
    private @Nullable OpenRtcSnapshot snapshot() {
        if (!agentPool.isStarted()) {
            return null;
        }
        Taken last = taken;
        long now = System.nanoTime();
        if (last == null || now - last.nanos() > SNAPSHOT_MAX_AGE.toNanos()) {
            last = new Taken(now, agentPool.snapshot());
            taken = last;
        }
        return last.snapshot();
    }

    private static Counter jobsOffered(MeterRegistry registry) {
        return Counter.builder("openrtc.jobs.offered").description("Jobs LiveKit offered this worker (availability requests)")
                .register(registry);
    }

    private static Counter jobsAccepted(MeterRegistry registry, String agent) {
        return Counter.builder("openrtc.jobs.accepted").description("Jobs this worker accepted, by the agent that serves them")
                .tag("agent", agent).register(registry);
    }

    private static Counter jobsDeclined(MeterRegistry registry, DeclineReason reason) {
        return Counter.builder("openrtc.jobs.declined").description("Jobs this worker declined, by reason")
                .tag("reason", reason.tag()).register(registry);
    }

    private static Counter tenantDeclined(MeterRegistry registry, String tenant, DeclineReason reason) {
        return Counter.builder("openrtc.tenant.declined").description("Jobs declined for their tenant's sake: its own cap "
                        + "(tenant_at_capacity), an agent it may not use (tenant_agent_not_allowed), its open circuit "
                        + "breaker (tenant_breaker_open)")
                .tag("tenant", tenant).tag("reason", reason.tag()).register(registry);
    }

    private static Counter sessionsStarted(MeterRegistry registry, String agent, String tenant) {
        return Counter.builder("openrtc.sessions.started").description("Sessions started").tag("agent", agent)
                .tag("tenant", tenant).register(registry);
    }

    private static Counter sessionsEnded(MeterRegistry registry, String agent, String tenant, String outcome) {
        return Counter.builder("openrtc.sessions.ended").description("Sessions ended, by outcome (success, failed, cancelled)")
                .tag("agent", agent).tag("tenant", tenant).tag("outcome", outcome).register(registry);
    }

    private static Timer sessionDuration(MeterRegistry registry, String agent, String tenant, String outcome) {
        return Timer.builder("openrtc.sessions.duration").description("How long sessions ran, by outcome")
                .tag("agent", agent).tag("tenant", tenant).tag("outcome", outcome).register(registry);
    }

    private static Timer dispatchLatency(MeterRegistry registry, String agent) {
        return Timer.builder("openrtc.dispatch.latency")
                .description("From LiveKit's availability request to the session running (room joined, agent code started)")
                .tag("agent", agent)
                // A histogram, for histogram_quantile across pods; no client-side percentiles, which
                // cannot be aggregated.
                .serviceLevelObjectives(DISPATCH_BUCKETS)
                .register(registry);
    }

    private static Counter reconnects(MeterRegistry registry) {
        return Counter.builder("openrtc.worker.reconnects")
                .description("Times the worker lost (or could not open) its LiveKit connection and scheduled a reconnect")
                .register(registry);
    }
}
