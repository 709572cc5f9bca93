package io.openrtc.spring.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.SessionInfo;
import io.openrtc.pool.PoolOptions;
import io.openrtc.runtime.AgentPool;
import io.openrtc.tenant.TenantOptions;
import io.openrtc.tenant.TenantSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How each runtime event lands in the meters, tag by tag, in every registry the binder is bound
 * to. The same meters from a real worker, scraped over HTTP, are in {@link OpenRtcActuatorLiveKitTest}.
 */
class OpenRtcMetricsTest {

    private static final Instant T0 = Instant.parse("2026-01-02T10:00:00Z");

    private final AgentPool pool = AgentPool.builder()
            .livekit("ws://127.0.0.1:1", "key", "secret-that-is-long-enough-for-livekit")
            .add("restaurant", session -> { })
            .add("dental", session -> { })
            .poolOptions(PoolOptions.builder().maxConcurrentSessions(8).build())
            .build();
    private final OpenRtcMetrics metrics = new OpenRtcMetrics(pool);

    private static SessionInfo session(String agent, String jobId) {
        return new SessionInfo(JobInfo.forRoom(jobId, "room-" + jobId, "", ""), agent, T0);
    }

    @Test
    void everyMeterExistsFromTheStartAndGaugesAreZeroBeforeTheWorkerStarts() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        metrics.bindTo(registry);
        for (String agent : new String[] {"restaurant", "dental"}) {
            assertThat(registry.get("openrtc.sessions.active").tag("agent", agent).gauge().value()).isZero();
            assertThat(registry.get("openrtc.agents.unhealthy").tag("agent", agent).gauge().value()).isZero();
            assertThat(registry.get("openrtc.sessions.started").tag("agent", agent).counter().count()).isZero();
            assertThat(registry.get("openrtc.sessions.ended").tag("agent", agent).tag("outcome", "cancelled").counter().count()).isZero();
            assertThat(registry.get("openrtc.dispatch.latency").tag("agent", agent).timer().count()).isZero();
        }
        for (DeclineReason reason : DeclineReason.values()) {
            assertThat(registry.get("openrtc.jobs.declined").tag("reason", reason.tag()).counter().count()).isZero();
        }
        assertThat(registry.get("openrtc.sessions.max").gauge().value()).isEqualTo(8);
        assertThat(registry.get("openrtc.sessions.abandoned").gauge().value()).isZero();
        assertThat(registry.get("openrtc.worker.connected").gauge().value()).isZero();
        assertThat(registry.get("openrtc.worker.load").gauge().value()).isZero();
        assertThat(registry.get("openrtc.worker.reconnects").counter().count()).isZero();
    }

    /** Issue 17: one prefix for the session meters, and only histograms (they aggregate across pods). */
    @Test
    void sessionMetersShareOnePrefixAndNoTimerPublishesClientSidePercentiles() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        metrics.bindTo(registry);
        assertThat(registry.getMeters()).extracting(meter -> meter.getId().getName())
                .filteredOn(name -> name.startsWith("openrtc.session")).allMatch(name -> name.startsWith("openrtc.sessions."));
        assertThat(registry.find("openrtc.sessions.duration").timers()).isNotEmpty();
        assertThat(registry.get("openrtc.events.dropped").tag("listeners", "application").functionCounter().count()).isZero();
        for (io.micrometer.core.instrument.Timer timer : registry.find("openrtc.dispatch.latency").timers()) {
            timer.record(Duration.ofMillis(300));
            assertThat(timer.takeSnapshot().percentileValues()).isEmpty();
            assertThat(timer.takeSnapshot().histogramCounts()).isNotEmpty();
        }
    }

    @Test
    void jobsWithUnreadableMetadataAreCountedBySource() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        metrics.bindTo(registry);
        assertThat(registry.get("openrtc.jobs.metadata.invalid").tag("source", "job").functionCounter().count()).isZero();
        pool.router().route(JobInfo.forRoom("AJ_1", "lobby", "VIP caller", "agent=dental"));
        pool.router().route(JobInfo.forRoom("AJ_2", "lobby", "", "{\"agent\":\"dental\"}"));
        assertThat(registry.get("openrtc.jobs.metadata.invalid").tag("source", "job").functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("openrtc.jobs.metadata.invalid").tag("source", "room").functionCounter().count()).isEqualTo(1);
    }

    /**
     * The tenant tag: a listed tenant (and the default one) by its id, every other tenant as
     * {@code other}, so that the number of series is bounded by the configuration, not the traffic.
     */
    @Test
    void sessionMetersCarryTheTenantWithBoundedValues() {
        AgentPool withTenants = AgentPool.builder()
                .livekit("ws://127.0.0.1:1", "key", "secret-that-is-long-enough-for-livekit")
                .add("restaurant", session -> { })
                .tenants(TenantOptions.builder().tenant("acme", TenantSettings.UNRESTRICTED.withMaxConcurrentSessions(2)).build())
                .build();
        OpenRtcMetrics tenantMetrics = new OpenRtcMetrics(withTenants);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        tenantMetrics.bindTo(registry);
        for (String tenant : new String[] {"default", "acme", "other"}) {
            assertThat(registry.get("openrtc.sessions.started").tag("agent", "restaurant").tag("tenant", tenant).counter().count())
                    .isZero();
            assertThat(registry.get("openrtc.sessions.active").tag("agent", "restaurant").tag("tenant", tenant).gauge().value())
                    .isZero();
            assertThat(registry.get("openrtc.tenant.declined").tag("tenant", tenant).tag("reason", "tenant_breaker_open")
                    .counter().count()).isZero();
            assertThat(registry.get("openrtc.tenant.breakers.open").tag("tenant", tenant).gauge().value()).isZero();
        }
        for (String tenant : new String[] {"acme", "initech", "umbrella"}) {
            tenantMetrics.record(new OpenRtcEvent.SessionStarted(T0, new SessionInfo(JobInfo.forRoom("AJ_" + tenant, "room", "", ""),
                    "restaurant", T0, tenant)));
            tenantMetrics.record(new OpenRtcEvent.JobDeclined(T0, JobInfo.forRoom("AJ_x" + tenant, "room", "", ""),
                    DeclineReason.TENANT_AT_CAPACITY, "full", tenant));
        }
        tenantMetrics.record(new OpenRtcEvent.JobDeclined(T0, JobInfo.forRoom("AJ_d", "room", "", ""), DeclineReason.AT_CAPACITY,
                "full", "acme"));
        assertThat(registry.get("openrtc.sessions.started").tag("tenant", "acme").counter().count()).isEqualTo(1);
        assertThat(registry.get("openrtc.sessions.started").tag("tenant", "other").counter().count()).isEqualTo(2);
        assertThat(registry.get("openrtc.tenant.declined").tag("tenant", "acme").tag("reason", "tenant_at_capacity").counter()
                .count()).isEqualTo(1);
        assertThat(registry.get("openrtc.tenant.declined").tag("tenant", "other").tag("reason", "tenant_at_capacity").counter()
                .count()).isEqualTo(2);
        assertThat(registry.find("openrtc.sessions.started").counters()).extracting(c -> c.getId().getTag("tenant"))
                .containsOnly("default", "acme", "other");
        assertThat(registry.find("openrtc.tenant.declined").counters()).extracting(c -> c.getId().getTag("reason"))
                .containsOnly("tenant_at_capacity", "tenant_agent_not_allowed", "tenant_breaker_open");
    }

    @Test
    void eventsAreCountedWithTheirTagsInEveryRegistry() {
        SimpleMeterRegistry first = new SimpleMeterRegistry();
        SimpleMeterRegistry second = new SimpleMeterRegistry();
        metrics.bindTo(first);
        metrics.bindTo(second);
        JobInfo job = JobInfo.forRoom("AJ_1", "room-1", "", "");
        metrics.record(new OpenRtcEvent.JobOffered(T0, job));
        metrics.record(new OpenRtcEvent.JobOffered(T0, JobInfo.forRoom("AJ_2", "room-2", "", "")));
        metrics.record(new OpenRtcEvent.JobAccepted(T0, job, "restaurant"));
        metrics.record(new OpenRtcEvent.JobDeclined(T0, JobInfo.forRoom("AJ_2", "room-2", "", ""), DeclineReason.AT_CAPACITY, "full"));
        metrics.record(new OpenRtcEvent.SessionStarted(T0, session("restaurant", "AJ_1")));
        metrics.record(new OpenRtcEvent.SessionRunning(T0, session("restaurant", "AJ_1"), Duration.ofMillis(1500)));
        metrics.record(new OpenRtcEvent.SessionEnded(T0, session("restaurant", "AJ_1"),
                new SessionOutcome.Success(T0, T0.plusSeconds(42))));
        metrics.record(new OpenRtcEvent.SessionEnded(T0, session("dental", "AJ_3"),
                new SessionOutcome.Failed(new IllegalStateException("boom"), T0, T0.plusSeconds(2))));
        metrics.record(new OpenRtcEvent.WorkerDisconnected(T0, "connection reset", 1, Duration.ofSeconds(1)));
        metrics.record(new OpenRtcEvent.WorkerRegistered(T0, "AW_1"));

        for (SimpleMeterRegistry registry : new SimpleMeterRegistry[] {first, second}) {
            assertThat(registry.get("openrtc.jobs.offered").counter().count()).isEqualTo(2);
            assertThat(registry.get("openrtc.jobs.accepted").tag("agent", "restaurant").counter().count()).isEqualTo(1);
            assertThat(registry.get("openrtc.jobs.declined").tag("reason", "at_capacity").counter().count()).isEqualTo(1);
            assertThat(registry.get("openrtc.jobs.declined").tag("reason", "draining").counter().count()).isZero();
            assertThat(registry.get("openrtc.sessions.started").tag("agent", "restaurant").tag("tenant", "default").counter()
                    .count()).isEqualTo(1);
            assertThat(registry.get("openrtc.dispatch.latency").tag("agent", "restaurant").timer().totalTime(TimeUnit.MILLISECONDS))
                    .isEqualTo(1500);
            assertThat(registry.get("openrtc.sessions.ended").tag("agent", "restaurant").tag("tenant", "default")
                    .tag("outcome", "success").counter().count()).isEqualTo(1);
            assertThat(registry.get("openrtc.sessions.ended").tag("agent", "dental").tag("tenant", "default")
                    .tag("outcome", "failed").counter().count()).isEqualTo(1);
            assertThat(registry.get("openrtc.sessions.duration").tag("agent", "restaurant").tag("tenant", "default")
                    .tag("outcome", "success").timer().totalTime(TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(registry.get("openrtc.worker.reconnects").counter().count()).isEqualTo(1);
        }
    }
}
