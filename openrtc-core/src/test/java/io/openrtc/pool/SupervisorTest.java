package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.worker.Admission;
import io.openrtc.worker.JobClaim;
import io.openrtc.worker.ParticipantSpec;
import io.openrtc.worker.SessionHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The supervisor counts per agent, and apart for the worker itself: one agent whose code keeps
 * failing is taken out of service while the others keep serving; failures of the room or the
 * server count for nobody; only failures of the worker itself mark it broken (and ask for the
 * stop that makes the platform replace it). The failures' sources come from {@link ScriptedBody}
 * ({@code lost}, {@code worker-fault}); the runtime's own classification of a lost LiveKit room is
 * tested against a real server in {@code AgentPoolSupervisorTest}.
 */
class SupervisorTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String FAULTY = "faulty";
    private static final String FINE = "fine";

    private final EventPublisher events = new EventPublisher();
    private final EventRecorder recorder = new EventRecorder();
    private final List<StopHandler.Reason> stopRequests = new CopyOnWriteArrayList<>();

    SupervisorTest() {
        events.addListener(recorder);
    }

    @AfterEach
    void closeEvents() {
        events.close();
    }

    private SessionPool start(PoolOptions options) {
        return SessionPool.builder(options, new ScriptedBody()).events(events)
                .stopHandler((reason, detail) -> stopRequests.add(reason)).start();
    }

    private static Admission claim(SessionPool pool, String agent, String script) {
        JobInfo job = TestJobs.job(script);
        return pool.tryClaim(job, agent, ParticipantSpec.forJob(job.jobId(), agent));
    }

    @Test
    void oneAgentsFailuresTakeOnlyThatAgentOutOfServiceWhileTheOthersKeepServing() throws Exception {
        try (SessionPool pool = start(PoolOptions.builder().consecutiveFailureLimit(3).build())) {
            for (int i = 0; i < 3; i++) {
                assertThat(runSession(pool, FAULTY, "throw:dependency down")).isInstanceOf(SessionOutcome.Failed.class);
            }

            assertThat(claim(pool, FAULTY, "")).isInstanceOfSatisfying(Admission.Declined.class, d -> {
                assertThat(d.reason()).isEqualTo(DeclineReason.AGENT_UNHEALTHY);
                assertThat(d.detail()).contains("'" + FAULTY + "'").contains("openrtc.consecutive-failure-limit")
                        .contains("dependency down").contains("openrtc.agent-retry-after");
            });
            assertThat(runSession(pool, FINE, "")).isInstanceOf(SessionOutcome.Success.class);
            assertThat(pool.snapshot().unhealthyAgents()).containsOnlyKeys(FAULTY);
            assertThat(pool.snapshot().tripped()).isFalse();
            assertThat(pool.isFull()).isFalse();
            assertThat(events.awaitDelivered(WAIT)).isTrue();
            assertThat(recorder.of(OpenRtcEvent.AgentTripped.class)).singleElement().satisfies(e -> {
                assertThat(e.agentName()).isEqualTo(FAULTY);
                assertThat(e.consecutiveFailures()).isEqualTo(3);
                assertThat(e.lastFailure()).contains("dependency down");
            });
            assertThat(recorder.of(OpenRtcEvent.SupervisorTripped.class)).isEmpty();
            assertThat(stopRequests).as("one agent's failures never stop the worker").isEmpty();
        }
    }

    @Test
    void failuresOfTheRoomOrTheServerCountForNobody() throws Exception {
        try (SessionPool pool = start(PoolOptions.builder().consecutiveFailureLimit(2).build())) {
            for (int i = 0; i < 5; i++) {
                assertThat(runSession(pool, FAULTY, "lost:the room connection ended")).isInstanceOf(SessionOutcome.Failed.class);
            }
            assertThat(pool.snapshot().unhealthyAgents()).isEmpty();
            assertThat(pool.snapshot().tripped()).isFalse();
            assertThat(pool.snapshot().consecutiveFailures()).isZero();
            assertAccepted(claim(pool, FAULTY, ""));
            assertThat(stopRequests).isEmpty();
        }
    }

    @Test
    void onlyFailuresOfTheWorkerItselfMarkItBroken() throws Exception {
        try (SessionPool pool = start(PoolOptions.builder().consecutiveFailureLimit(2).build())) {
            assertThat(runSession(pool, FAULTY, "worker-fault:the child JVM did not start")).isInstanceOf(SessionOutcome.Failed.class);
            assertThat(pool.snapshot().consecutiveFailures()).isEqualTo(1);
            assertThat(runSession(pool, FINE, "")).isInstanceOf(SessionOutcome.Success.class); // resets the count
            assertThat(pool.snapshot().consecutiveFailures()).isZero();
            assertThat(runSession(pool, FAULTY, "worker-fault:again")).isInstanceOf(SessionOutcome.Failed.class);
            assertThat(runSession(pool, FINE, "worker-fault:and again")).isInstanceOf(SessionOutcome.Failed.class);

            assertThat(pool.snapshot().tripped()).isTrue();
            assertThat(pool.snapshot().unhealthyAgents()).as("no agent is blamed").isEmpty();
            await().atMost(WAIT).until(() -> stopRequests.size() == 1);
            assertThat(stopRequests).containsExactly(StopHandler.Reason.SUPERVISOR_TRIPPED);
            assertThat(claim(pool, FINE, "")).isInstanceOfSatisfying(Admission.Declined.class,
                    d -> assertThat(d.reason()).isEqualTo(DeclineReason.DRAINING));
            assertThat(events.awaitDelivered(WAIT)).isTrue();
            assertThat(recorder.of(OpenRtcEvent.SupervisorTripped.class)).singleElement()
                    .satisfies(e -> assertThat(e.consecutiveFailures()).isEqualTo(2));
        }
    }

    @Test
    void anAgentOutOfServiceGetsOneTrialSessionAfterTheRetryWaitAndIsBackWhenItSucceeds() throws Exception {
        try (SessionPool pool = start(PoolOptions.builder().consecutiveFailureLimit(1)
                .agentRetryAfter(Duration.ofMillis(300)).build())) {
            assertThat(runSession(pool, FAULTY, "throw:down")).isInstanceOf(SessionOutcome.Failed.class);
            assertThat(claim(pool, FAULTY, "")).isInstanceOf(Admission.Declined.class);

            // After the wait, one trial: its claim released unused lets the next job try instead.
            JobClaim released = awaitTrial(pool, "");
            assertThat(claim(pool, FAULTY, "")).as("a second job while the trial is out").isInstanceOf(Admission.Declined.class);
            released.release();
            // A failed trial starts the wait again.
            SessionOutcome failedTrial = launchTrial(pool, "throw:still down");
            assertThat(failedTrial).isInstanceOf(SessionOutcome.Failed.class);
            assertThat(claim(pool, FAULTY, "")).isInstanceOf(Admission.Declined.class);
            assertThat(pool.snapshot().unhealthyAgents()).containsOnlyKeys(FAULTY);

            assertThat(launchTrial(pool, "")).isInstanceOf(SessionOutcome.Success.class);
            assertThat(pool.snapshot().unhealthyAgents()).isEmpty();
            assertAccepted(claim(pool, FAULTY, ""));
            assertAccepted(claim(pool, FAULTY, ""));
            assertThat(events.awaitDelivered(WAIT)).isTrue();
            assertThat(recorder.of(OpenRtcEvent.AgentTripped.class)).hasSize(2);
            assertThat(recorder.of(OpenRtcEvent.AgentRecovered.class)).singleElement()
                    .satisfies(e -> assertThat(e.agentName()).isEqualTo(FAULTY));
        }
    }

    /** Asserts the claim was accepted and gives its slot back, so closing the pool has nothing to wait for. */
    private static void assertAccepted(Admission admission) {
        assertThat(admission).isInstanceOf(Admission.Accepted.class);
        ((Admission.Accepted) admission).claim().release();
    }

    /** Waits (polling, bounded) until the agent out of service gets its trial claim. */
    private static JobClaim awaitTrial(SessionPool pool, String script) {
        AtomicReference<JobClaim> trial = new AtomicReference<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (claim(pool, FAULTY, script) instanceof Admission.Accepted accepted) {
                trial.set(accepted.claim());
                return true;
            }
            return false;
        });
        return trial.get();
    }

    /** Waits (polling, bounded) for the agent's trial claim, launches it and returns how it ended. */
    private static SessionOutcome launchTrial(SessionPool pool, String script) throws Exception {
        AtomicReference<SessionHandle> handle = new AtomicReference<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            JobInfo job = TestJobs.job(script);
            if (pool.tryClaim(job, FAULTY, ParticipantSpec.forJob(job.jobId(), FAULTY)) instanceof Admission.Accepted a) {
                handle.set(a.claim().launch(TestJobs.assignment(job)));
                return true;
            }
            return false;
        });
        return handle.get().outcome().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Runs one session of {@code agent} to its end and returns how it ended. */
    private static SessionOutcome runSession(SessionPool pool, String agent, String script) throws Exception {
        JobInfo job = TestJobs.job(script);
        Admission admission = pool.tryClaim(job, agent, ParticipantSpec.forJob(job.jobId(), agent));
        assertThat(admission).as("a slot for %s", agent).isInstanceOf(Admission.Accepted.class);
        SessionHandle handle = ((Admission.Accepted) admission).claim().launch(TestJobs.assignment(job));
        return handle.outcome().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
}
