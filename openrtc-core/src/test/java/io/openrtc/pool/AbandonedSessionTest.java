package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.DeclineReason;
import io.openrtc.worker.Admission;
import io.openrtc.worker.ParticipantSpec;
import io.openrtc.worker.SessionHandle;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A session on a virtual thread that ignores its cancel cannot be killed. After
 * {@code openrtc.cancel-grace} it is given up: what it registered with
 * {@link SessionControl#onAbandon} (its room) is released from outside, it ends cancelled, and it
 * keeps its slot, counted as abandoned, until its thread really ends. (That its LiveKit room is
 * left is shown against a real server in {@code AgentPoolAbandonTest}.)
 */
class AbandonedSessionTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aSessionThatIgnoresItsCancelIsReleasedFromOutsideAndHoldsItsSlotUntilItsThreadEnds() throws Exception {
        CountDownLatch releasedFromOutside = new CountDownLatch(1);
        CountDownLatch letItEnd = new CountDownLatch(1);
        SessionBody stubborn = (request, control) -> {
            control.onAbandon(releasedFromOutside::countDown);
            control.running();
            while (letItEnd.getCount() > 0) {
                try {
                    letItEnd.await();
                } catch (InterruptedException ignored) {
                    // a misbehaving session: it swallows its interrupt and goes on
                }
            }
        };
        try (SessionPool pool = SessionPool.builder(PoolOptions.builder().maxConcurrentSessions(1)
                .cancelGrace(Duration.ofMillis(200)).drainTimeout(Duration.ofSeconds(1)).build(), stubborn).start()) {
            SessionHandle session = TestJobs.launch(pool, "");
            session.running().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            session.cancel("job terminated");

            SessionOutcome outcome = session.outcome().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOfSatisfying(SessionOutcome.Cancelled.class,
                    c -> assertThat(c.reason()).contains("job terminated").contains("abandoned"));
            assertThat(releasedFromOutside.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("its room closed from outside").isTrue();
            // Ended as far as the worker and LiveKit are concerned, but its thread still holds what it holds.
            assertThat(pool.snapshot().active()).isZero();
            assertThat(pool.snapshot().abandoned()).isEqualTo(1);
            assertThat(pool.utilization()).isEqualTo(1.0);
            assertThat(pool.isFull()).isTrue();
            JobInfo job = TestJobs.job("");
            assertThat(pool.tryClaim(job, TestJobs.AGENT, ParticipantSpec.forJob(job.jobId(), "x")))
                    .isInstanceOfSatisfying(Admission.Declined.class,
                            d -> assertThat(d.reason()).isEqualTo(DeclineReason.AT_CAPACITY));

            letItEnd.countDown();
            await().atMost(WAIT).until(() -> pool.snapshot().abandoned() == 0);
            assertThat(pool.utilization()).isZero();
            TestJobs.claim(pool, TestJobs.job("")).release();
        }
    }

    @Test
    void aSessionThatEndsWithinItsGraceIsNeverAbandoned() throws Exception {
        CountDownLatch abandoned = new CountDownLatch(1);
        SessionBody polite = (request, control) -> {
            control.onAbandon(abandoned::countDown);
            control.running();
            Thread.sleep(Long.MAX_VALUE);
        };
        try (SessionPool pool = SessionPool.builder(PoolOptions.builder().cancelGrace(Duration.ofMillis(200)).build(), polite)
                .start()) {
            SessionHandle session = TestJobs.launch(pool, "");
            session.running().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            session.cancel("drain");
            assertThat(session.outcome().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOfSatisfying(SessionOutcome.Cancelled.class, c -> assertThat(c.reason()).doesNotContain("abandoned"));
            // Through and past the grace: nothing is given up, nothing holds a slot.
            await().during(Duration.ofMillis(400)).atMost(WAIT)
                    .until(() -> abandoned.getCount() == 1 && pool.snapshot().abandoned() == 0);
            assertThat(pool.utilization()).isZero();
        }
    }
}
