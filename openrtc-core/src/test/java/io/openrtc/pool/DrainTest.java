package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.DrainResult;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.worker.Admission;
import io.openrtc.worker.JobClaim;
import io.openrtc.worker.ParticipantSpec;
import io.openrtc.worker.SessionHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DrainTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** What "a small margin" means on a loaded 2-core machine. */
    private static final Duration MARGIN = Duration.ofMillis(1500);

    private final EventPublisher events = new EventPublisher();
    private final EventRecorder recorder = new EventRecorder();

    DrainTest() {
        events.addListener(recorder);
    }

    @AfterEach
    void closeEvents() {
        events.close();
    }

    private static SessionOutcome outcome(SessionHandle handle) {
        return handle.outcome().toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    @Test
    void sessionsThatFinishInTimeSucceedTheOthersAreCancelledAndDrainReturnsInTime() throws Exception {
        Duration timeout = Duration.ofSeconds(2);
        try (SessionPool pool = SessionPool.builder(PoolOptions.builder().drainTimeout(timeout).build(),
                new ScriptedBody()).events(events).start()) {
            SessionHandle quick1 = TestJobs.launch(pool, "running;sleep:300");
            SessionHandle quick2 = TestJobs.launch(pool, "running;sleep:600");
            SessionHandle slow1 = TestJobs.launch(pool, "running;block");
            SessionHandle slow2 = TestJobs.launch(pool, "running;sleep:600000");
            for (SessionHandle h : List.of(quick1, quick2, slow1, slow2)) {
                h.running().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }

            long start = System.nanoTime();
            DrainResult result = pool.drain();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.printf("drain with timeout %d ms took %d ms%n", timeout.toMillis(), took.toMillis());

            assertThat(took).isGreaterThanOrEqualTo(timeout).isLessThan(timeout.plus(MARGIN));
            assertThat(outcome(quick1)).isInstanceOf(SessionOutcome.Success.class);
            assertThat(outcome(quick2)).isInstanceOf(SessionOutcome.Success.class);
            assertThat(outcome(slow1)).isInstanceOfSatisfying(SessionOutcome.Cancelled.class,
                    c -> assertThat(c.reason()).contains("openrtc.drain-timeout"));
            assertThat(outcome(slow2)).isInstanceOf(SessionOutcome.Cancelled.class);
            assertThat(result.completed()).isEqualTo(2);
            assertThat(result.cancelled()).isEqualTo(2);
            assertThat(result.abandoned()).as("both answered their interrupt").isZero();

            // Idempotent, and the pool stays closed to new jobs.
            assertThat(pool.drain(Duration.ofMinutes(5))).isSameAs(result);
            JobInfo job = TestJobs.job("");
            assertThat(pool.tryClaim(job, TestJobs.AGENT, ParticipantSpec.forJob(job.jobId(), "x")))
                    .isInstanceOfSatisfying(Admission.Declined.class,
                            d -> assertThat(d.reason()).isEqualTo(DeclineReason.DRAINING));
            assertThat(pool.isFull()).isTrue();
            assertThat(pool.snapshot().draining()).isTrue();
            assertThat(events.awaitDelivered(WAIT)).isTrue();
            assertThat(recorder.of(OpenRtcEvent.SessionEnded.class)).extracting(e -> e.outcome().label())
                    .containsExactlyInAnyOrder("success", "success", "cancelled", "cancelled");
        }
    }

    @Test
    void drainReturnsAtOnceWhenNothingRuns() {
        try (SessionPool pool = SessionPool.builder(PoolOptions.defaults(), new ScriptedBody()).start()) {
            DrainResult result = pool.drain();
            assertThat(result.took()).isLessThan(Duration.ofSeconds(1));
            assertThat(result.completed()).isZero();
            assertThat(result.cancelled()).isZero();
        }
    }

    @Test
    void aSessionThatIgnoresItsInterruptIsAbandonedAfterTheCancelGrace() {
        Duration timeout = Duration.ofMillis(500);
        Duration grace = Duration.ofMillis(700);
        try (SessionPool pool = SessionPool.builder(PoolOptions.builder().drainTimeout(timeout).cancelGrace(grace)
                .build(), new ScriptedBody()).start()) {
            SessionHandle stubborn = TestJobs.launch(pool, "running;stubborn");
            stubborn.running().toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
            long start = System.nanoTime();
            DrainResult result = pool.drain();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.printf("drain of a stubborn session (timeout %d ms, grace %d ms) took %d ms%n",
                    timeout.toMillis(), grace.toMillis(), took.toMillis());
            assertThat(took).isGreaterThanOrEqualTo(timeout.plus(grace)).isLessThan(timeout.plus(grace).plus(MARGIN));
            assertThat(outcome(stubborn)).isInstanceOfSatisfying(SessionOutcome.Cancelled.class,
                    c -> assertThat(c.reason()).contains("abandoned"));
            assertThat(result.cancelled()).isEqualTo(1);
        }
    }

    @Test
    void drainWaitsForAcceptedJobsAndCancelsAssignmentsThatComeTooLate() throws Exception {
        Duration timeout = Duration.ofMillis(1500);
        try (SessionPool pool = SessionPool.builder(PoolOptions.builder().drainTimeout(timeout).build(),
                new ScriptedBody()).start()) {
            JobInfo onTime = TestJobs.job("running;sleep:100");
            JobInfo late = TestJobs.job("running");
            JobClaim onTimeClaim = TestJobs.claim(pool, onTime);
            JobClaim lateClaim = TestJobs.claim(pool, late);
            CompletableFuture<DrainResult> drain = CompletableFuture.supplyAsync(pool::drain);
            // Accepted before the drain: its assignment still runs while the drain waits.
            SessionHandle launched = onTimeClaim.launch(TestJobs.assignment(onTime));
            assertThat(outcome(launched)).isInstanceOf(SessionOutcome.Success.class);
            DrainResult result = drain.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(result.took()).isGreaterThanOrEqualTo(timeout); // waited for the other claim
            SessionHandle tooLate = lateClaim.launch(TestJobs.assignment(late));
            assertThat(outcome(tooLate)).isInstanceOf(SessionOutcome.Cancelled.class);
            assertThat(pool.snapshot().reserved()).isZero();
        }
    }
}
