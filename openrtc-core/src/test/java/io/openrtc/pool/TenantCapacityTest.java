package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.DeclineReason;
import io.openrtc.tenant.TenantOptions;
import io.openrtc.tenant.TenantSettings;
import io.openrtc.worker.Admission;
import io.openrtc.worker.JobClaim;
import io.openrtc.worker.ParticipantSpec;
import io.openrtc.worker.SessionHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A tenant's own cap is as hard as the worker's: reserved atomically with the worker's slot, held
 * by reserved and running sessions alike, given back when they end or their claim is released.
 */
class TenantCapacityTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static SessionPool pool(int max, TenantOptions tenants) {
        return SessionPool.builder(PoolOptions.builder().maxConcurrentSessions(max).drainTimeout(Duration.ofSeconds(5)).build(),
                new ScriptedBody()).tenants(tenants).start();
    }

    private static Admission claim(SessionPool pool, String tenant, String script) {
        JobInfo job = TestJobs.job(script);
        return pool.tryClaim(job, TestJobs.AGENT, tenant, ParticipantSpec.forJob(job.jobId(), "x"));
    }

    @Test
    void concurrentClaimsNeverOvershootATenantsCap() throws Exception {
        TenantOptions tenants = TenantOptions.builder()
                .tenant("acme", TenantSettings.UNRESTRICTED.withMaxConcurrentSessions(2))
                .tenant("globex", TenantSettings.UNRESTRICTED.withMaxConcurrentSessions(5)).build();
        try (SessionPool pool = pool(50, tenants)) {
            ConcurrentLinkedQueue<Admission> acme = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Admission> globex = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Admission> others = new ConcurrentLinkedQueue<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 20; i++) {
                        acme.add(claim(pool, "acme", ""));
                        globex.add(claim(pool, "globex", ""));
                        others.add(claim(pool, "initech", ""));
                    }
                }));
            }
            go.countDown();
            for (Thread thread : threads) {
                assertThat(thread.join(WAIT)).isTrue();
            }
            assertThat(accepted(acme)).hasSize(2);
            assertThat(accepted(globex)).hasSize(5);
            assertThat(accepted(others)).as("a tenant not listed has no cap of its own").hasSize(50 - 7);
            assertThat(acme).filteredOn(Admission.Declined.class::isInstance).allSatisfy(a -> {
                Admission.Declined declined = (Admission.Declined) a;
                assertThat(declined.reason()).isEqualTo(DeclineReason.TENANT_AT_CAPACITY);
                assertThat(declined.tenant()).isEqualTo("acme");
                assertThat(declined.detail()).contains("tenant 'acme'", "openrtc.tenants.acme.max-concurrent-sessions");
            });
            assertThat(accepted(others)).allSatisfy(claim -> assertThat(claim.tenant()).isEqualTo("initech"));
            // Released claims free their tenant's slots.
            accepted(acme).forEach(JobClaim::release);
            assertThat(accepted(List.of(claim(pool, "acme", ""), claim(pool, "acme", ""), claim(pool, "acme", ""))))
                    .hasSize(2).allSatisfy(JobClaim::release);
            accepted(globex).forEach(JobClaim::release);
            accepted(others).forEach(JobClaim::release);
        }
    }

    @Test
    void runningSessionsHoldTheirTenantsSlotsUntilTheyEnd() throws Exception {
        TenantOptions tenants = TenantOptions.builder()
                .tenant("acme", TenantSettings.UNRESTRICTED.withMaxConcurrentSessions(1)).build();
        try (SessionPool pool = pool(10, tenants)) {
            JobInfo job = TestJobs.job("running;block");
            JobClaim claim = ((Admission.Accepted) pool.tryClaim(job, TestJobs.AGENT, "acme",
                    ParticipantSpec.forJob(job.jobId(), "x"))).claim();
            SessionHandle session = claim.launch(TestJobs.assignment(job));
            session.running().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(pool.snapshot().sessions()).singleElement().satisfies(s -> assertThat(s.tenant()).isEqualTo("acme"));
            assertThat(pool.snapshot().activeByTenant()).containsExactlyEntriesOf(java.util.Map.of("acme", 1));
            assertThat(claim(pool, "acme", "")).isInstanceOfSatisfying(Admission.Declined.class,
                    d -> assertThat(d.reason()).isEqualTo(DeclineReason.TENANT_AT_CAPACITY));
            session.cancel("test");
            assertThat(session.outcome().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(SessionOutcome.Cancelled.class);
            Admission again = claim(pool, "acme", "");
            assertThat(again).isInstanceOf(Admission.Accepted.class);
            ((Admission.Accepted) again).claim().release();
        }
    }

    @Test
    void aTenantWhoseSessionsFailIsDeclinedWhileTheOthersAreServed() throws Exception {
        try (SessionPool pool = pool(10, TenantOptions.defaults())) {
            for (int i = 0; i < 5; i++) {
                JobInfo job = TestJobs.job("throw:bad API key");
                JobClaim claim = ((Admission.Accepted) pool.tryClaim(job, "agent-" + i, "flaky",
                        ParticipantSpec.forJob(job.jobId(), "x"))).claim();
                assertThat(claim.launch(TestJobs.assignment(job)).outcome().toCompletableFuture()
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(SessionOutcome.Failed.class);
            }
            // The breaker saw the fifth failure before the outcome completed.
            assertThat(claim(pool, "flaky", "")).isInstanceOfSatisfying(Admission.Declined.class, d -> {
                assertThat(d.reason()).isEqualTo(DeclineReason.TENANT_BREAKER_OPEN);
                assertThat(d.tenant()).isEqualTo("flaky");
            });
            assertThat(pool.snapshot().tenantBreakers()).containsOnlyKeys("flaky");
            Admission steady = claim(pool, "steady", "");
            assertThat(steady).isInstanceOf(Admission.Accepted.class);
            ((Admission.Accepted) steady).claim().release();
            await().atMost(WAIT).until(() -> pool.snapshot().active() == 0);
        }
    }

    private static List<JobClaim> accepted(java.util.Collection<Admission> admissions) {
        return admissions.stream().filter(Admission.Accepted.class::isInstance)
                .map(a -> ((Admission.Accepted) a).claim()).toList();
    }
}
