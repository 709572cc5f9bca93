package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.DeclineReason;
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

class CapacityTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** {@code threads} threads each try {@code attempts} claims at once; returns what they got. */
    private static List<Admission> claimConcurrently(SessionPool pool, int threads, int attempts) throws Exception {
        ConcurrentLinkedQueue<Admission> results = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < attempts; i++) {
                    JobInfo job = TestJobs.job("");
                    results.add(pool.tryClaim(job, TestJobs.AGENT, ParticipantSpec.forJob(job.jobId(), "x")));
                }
            }));
        }
        go.countDown();
        for (Thread worker : workers) {
            assertThat(worker.join(WAIT)).isTrue();
        }
        return List.copyOf(results);
    }

    private static List<JobClaim> accepted(List<Admission> admissions) {
        return admissions.stream().filter(Admission.Accepted.class::isInstance)
                .map(a -> ((Admission.Accepted) a).claim()).toList();
    }

    @Test
    void concurrentClaimsNeverOvershootAndReleasedClaimsFreeTheirSlots() throws Exception {
        try (SessionPool pool = SessionPool.builder(PoolOptions.builder().maxConcurrentSessions(10).build(),
                new ScriptedBody()).start()) {
            List<Admission> first = claimConcurrently(pool, 8, 50);
            List<JobClaim> claims = accepted(first);
            assertThat(claims).hasSize(10);
            assertThat(first).filteredOn(Admission.Declined.class::isInstance).hasSize(8 * 50 - 10)
                    .allSatisfy(d -> assertThat(((Admission.Declined) d).reason()).isEqualTo(DeclineReason.AT_CAPACITY));
            assertThat(pool.utilization()).isEqualTo(1.0);
            assertThat(pool.isFull()).isTrue();
            assertThat(pool.snapshot().reserved()).isEqualTo(10);

            // Three assignments never come: their slots come back, and only three more fit.
            claims.subList(0, 3).forEach(JobClaim::release);
            claims.get(0).release(); // idempotent
            assertThat(pool.utilization()).isEqualTo(0.7);
            assertThat(pool.isFull()).isFalse();
            List<JobClaim> more = accepted(claimConcurrently(pool, 8, 10));
            assertThat(more).hasSize(3);
            assertThat(pool.isFull()).isTrue();
            // A worker shutting down gives back what it holds; then closing the pool is quick.
            claims.forEach(JobClaim::release);
            more.forEach(JobClaim::release);
            assertThat(pool.utilization()).isZero();
            assertThat(pool.drain().took()).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void launchedSessionsHoldTheirSlotUntilTheyEnd() throws Exception {
        try (SessionPool pool = SessionPool.builder(PoolOptions.builder().maxConcurrentSessions(2).build(),
                new ScriptedBody()).start()) {
            JobInfo job = TestJobs.job("running;block");
            JobClaim claim = TestJobs.claim(pool, job);
            SessionHandle running = claim.launch(TestJobs.assignment(job));
            claim.release(); // after launch: no effect on the slot
            assertThatThrownBy(() -> claim.launch(TestJobs.assignment(job)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining(job.jobId());
            JobClaim reserved = TestJobs.claim(pool, TestJobs.job(""));
            assertThat(pool.snapshot().active()).isEqualTo(1);
            assertThat(pool.snapshot().reserved()).isEqualTo(1);
            assertThat(pool.isFull()).isTrue();
            assertThat(pool.tryClaim(TestJobs.job(""), TestJobs.AGENT, ParticipantSpec.forJob("j", "x")))
                    .isInstanceOf(Admission.Declined.class);

            running.cancel("test");
            assertThat(running.outcome().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(SessionOutcome.Cancelled.class);
            // The pool's books are updated before the outcome completes.
            assertThat(pool.snapshot().active()).isZero();
            assertThat(pool.utilization()).isEqualTo(0.5);
            await().atMost(WAIT).until(() -> !pool.isFull());
            reserved.release();
            assertThat(pool.utilization()).isZero();
        }
    }
}
