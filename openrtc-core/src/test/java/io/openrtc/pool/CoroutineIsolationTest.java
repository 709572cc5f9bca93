package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.SessionInfo;
import io.openrtc.observe.SessionObserver;
import io.openrtc.worker.Admission;
import io.openrtc.worker.ParticipantSpec;
import io.openrtc.worker.SessionHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CoroutineIsolationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final EventPublisher events = new EventPublisher();
    private final EventRecorder recorder = new EventRecorder();
    private final List<StopHandler.Reason> stopRequests = new CopyOnWriteArrayList<>();

    CoroutineIsolationTest() {
        events.addListener(recorder);
    }

    @AfterEach
    void closeEvents() {
        events.close();
    }

    private SessionPool start(PoolOptions options, SessionBody body) {
        return SessionPool.builder(options, body).events(events).prewarm(ScriptedBody.PREWARM)
                .stopHandler((reason, detail) -> stopRequests.add(reason)).start();
    }

    private static SessionOutcome outcome(SessionHandle handle) {
        return handle.outcome().toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    @Test
    void twoHundredSessionsWhereEveryTenthThrowsTheOthersSucceedAndTheSupervisorHolds() throws Exception {
        int n = 200;
        // Each session ends right after its predecessor, so the order of ends is the order of
        // launch and "every tenth fails" never makes two failures consecutive.
        AtomicReferenceArray<SessionHandle> handles = new AtomicReferenceArray<>(n);
        CountDownLatch allLaunched = new CountDownLatch(1);
        SessionBody body = (request, control) -> {
            int i = Integer.parseInt(request.job().jobMetadata());
            control.running();
            allLaunched.await();
            if (i > 0) {
                handles.get(i - 1).outcome().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            if (i % 10 == 9) {
                throw new IllegalStateException("session " + i + " failed");
            }
        };
        try (SessionPool pool = start(PoolOptions.builder().maxConcurrentSessions(n).build(), body)) {
            for (int i = 0; i < n; i++) {
                var job = TestJobs.job(Integer.toString(i));
                handles.set(i, TestJobs.claim(pool, job).launch(TestJobs.assignment(job)));
            }
            await().atMost(WAIT).until(() -> pool.snapshot().active() == n);
            assertThat(pool.utilization()).isEqualTo(1.0);
            assertThat(pool.snapshot().activeByAgent()).containsEntry(TestJobs.AGENT, n);
            allLaunched.countDown();

            List<SessionOutcome> outcomes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                outcomes.add(outcome(handles.get(i)));
            }
            for (int i = 0; i < n; i++) {
                int index = i;
                if (i % 10 == 9) {
                    assertThat(outcomes.get(i)).isInstanceOfSatisfying(SessionOutcome.Failed.class,
                            f -> assertThat(f.error()).hasMessage("session " + index + " failed"));
                } else {
                    assertThat(outcomes.get(i)).as("session %d", i).isInstanceOf(SessionOutcome.Success.class);
                }
            }
            assertThat(pool.snapshot().tripped()).isFalse();
            assertThat(pool.snapshot().unhealthyAgents()).isEmpty();
            assertThat(pool.snapshot().consecutiveFailures()).isZero(); // the agent's failures, not the worker's
            assertThat(pool.snapshot().active()).isZero();
            assertThat(events.awaitDelivered(WAIT)).isTrue();
            assertThat(recorder.of(OpenRtcEvent.SessionStarted.class)).hasSize(n);
            assertThat(recorder.of(OpenRtcEvent.SessionRunning.class)).isEmpty(); // the worker's event
            assertThat(recorder.of(OpenRtcEvent.SessionEnded.class)).hasSize(n);
            assertThat(recorder.of(OpenRtcEvent.SupervisorTripped.class)).isEmpty();
            assertThat(stopRequests).isEmpty();
        }
    }

    @Test
    void anAgentGoesOutOfServiceOnlyOnConsecutiveFailures() throws Exception {
        try (SessionPool pool = start(PoolOptions.builder().consecutiveFailureLimit(5).build(), new ScriptedBody())) {
            // F F F F S F F C L F F: never five failures of the agent in a row (a cancel and a lost
            // room neither count nor reset)
            for (String script : List.of("throw:1", "throw:2", "throw:3", "throw:4", "", "throw:5", "throw:6")) {
                outcome(TestJobs.launch(pool, script));
            }
            SessionHandle cancelled = TestJobs.launch(pool, "running;block");
            cancelled.running().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            cancelled.cancel("job terminated");
            assertThat(outcome(cancelled)).isInstanceOf(SessionOutcome.Cancelled.class);
            outcome(TestJobs.launch(pool, "lost:the room went away"));
            outcome(TestJobs.launch(pool, "throw:7"));
            outcome(TestJobs.launch(pool, "throw:8"));
            assertThat(pool.snapshot().unhealthyAgents()).isEmpty();
            assertThat(pool.isFull()).isFalse();

            outcome(TestJobs.launch(pool, "throw:9"));
            assertThat(pool.snapshot().unhealthyAgents()).containsOnlyKeys(TestJobs.AGENT);
            var job = TestJobs.job("");
            assertThat(pool.tryClaim(job, TestJobs.AGENT, ParticipantSpec.forJob(job.jobId(), "x")))
                    .isInstanceOfSatisfying(Admission.Declined.class,
                            d -> assertThat(d.reason()).isEqualTo(DeclineReason.AGENT_UNHEALTHY));
            // The agent's failures say nothing about the worker.
            assertThat(pool.snapshot().tripped()).isFalse();
            assertThat(pool.isFull()).isFalse();
            assertThat(events.awaitDelivered(WAIT)).isTrue();
            assertThat(recorder.of(OpenRtcEvent.AgentTripped.class)).singleElement()
                    .satisfies(e -> assertThat(e.consecutiveFailures()).isEqualTo(5));
            assertThat(recorder.of(OpenRtcEvent.SupervisorTripped.class)).isEmpty();
            assertThat(stopRequests).isEmpty();
        }
    }

    @Test
    void anErrorInOneSessionFailsItAndNotItsSiblings() throws Exception {
        try (SessionPool pool = start(PoolOptions.defaults(), new ScriptedBody())) {
            SessionHandle sibling1 = TestJobs.launch(pool, "running;sleep:300");
            SessionHandle broken = TestJobs.launch(pool, "running;error:native library crashed");
            SessionHandle overflow = TestJobs.launch(pool, "running;stack-overflow");
            SessionHandle sibling2 = TestJobs.launch(pool, "running;sleep:300");
            assertThat(outcome(broken)).isInstanceOfSatisfying(SessionOutcome.Failed.class, f -> {
                assertThat(f.error()).isInstanceOf(AssertionError.class).hasMessage("native library crashed");
                assertThat(f.message()).isEqualTo("AssertionError: native library crashed");
                assertThat(f.duration().isNegative()).isFalse();
            });
            assertThat(outcome(overflow)).isInstanceOf(SessionOutcome.Failed.class);
            assertThat(outcome(sibling1)).isInstanceOf(SessionOutcome.Success.class);
            assertThat(outcome(sibling2)).isInstanceOf(SessionOutcome.Success.class);
        }
    }

    @Test
    void sessionRunsOnANamedVirtualThreadWithTheRequestAndTheSharedResources() throws Exception {
        try (SessionPool pool = start(PoolOptions.defaults(), new ScriptedBody())) {
            SessionHandle handle = TestJobs.launch(pool, "check-request;check-shared;running");
            handle.running().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome(handle)).isInstanceOf(SessionOutcome.Success.class);
        }
    }

    @Test
    void cancelInterruptsTheSessionAndRunsItsCancelActions() throws Exception {
        CompletableFuture<String> cancelAction = new CompletableFuture<>();
        SessionBody body = (request, control) -> {
            control.onCancel(() -> cancelAction.complete(control.cancelReason().orElseThrow()));
            control.running();
            Thread.sleep(Long.MAX_VALUE);
        };
        try (SessionPool pool = start(PoolOptions.defaults(), body)) {
            SessionHandle handle = TestJobs.launch(pool, "");
            handle.running().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            handle.cancel("job terminated by LiveKit");
            handle.cancel("a second cancel is ignored");
            assertThat(outcome(handle)).isInstanceOfSatisfying(SessionOutcome.Cancelled.class,
                    c -> assertThat(c.reason()).isEqualTo("job terminated by LiveKit"));
            assertThat(cancelAction.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("job terminated by LiveKit");
            assertThat(pool.snapshot().active()).isZero();
        }
    }

    @Test
    void sessionEventsReachObserversAndAThrowingObserverBreaksNothing() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        events.addListener(new SessionObserver() {
            @Override
            public void sessionStarted(SessionInfo session) {
                throw new IllegalStateException("a broken observer");
            }

            @Override
            public void sessionEnded(SessionInfo session, SessionOutcome outcome) {
                throw new IllegalStateException("a broken observer");
            }
        });
        events.addListener(new SessionObserver() {
            @Override
            public void sessionStarted(SessionInfo session) {
                seen.add("started " + session.jobId());
            }

            @Override
            public void sessionEnded(SessionInfo session, SessionOutcome outcome) {
                seen.add("ended " + session.jobId() + " " + outcome.label());
            }
        });
        try (SessionPool pool = start(PoolOptions.defaults(), new ScriptedBody())) {
            SessionHandle ok = TestJobs.launch(pool, "running");
            SessionHandle failed = TestJobs.launch(pool, "throw:boom");
            assertThat(outcome(ok)).isInstanceOf(SessionOutcome.Success.class);
            assertThat(outcome(failed)).isInstanceOf(SessionOutcome.Failed.class);
            assertThat(events.awaitDelivered(WAIT)).isTrue();
            String okJob = ((PooledSession) ok).request().job().jobId();
            String failedJob = ((PooledSession) failed).request().job().jobId();
            assertThat(seen).contains("started " + okJob, "ended " + okJob + " success", "started " + failedJob,
                    "ended " + failedJob + " failed");
            assertThat(recorder.forJob(okJob)).containsExactly("SessionStarted", "SessionEnded");
            assertThat(recorder.forJob(failedJob)).containsExactly("SessionStarted", "SessionEnded");
        }
    }

    @Test
    void aFailingPrewarmStopsThePoolFromStarting() {
        assertThatThrownBy(() -> SessionPool.builder(PoolOptions.defaults(), new ScriptedBody())
                .prewarm(resources -> {
                    throw new IllegalStateException("model file missing");
                }).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("model file missing");
    }

    @Test
    void aSessionHostJvmRefusesToStartAPool() {
        System.setProperty(SessionHost.ROLE_PROPERTY, SessionHost.ROLE);
        try {
            assertThatThrownBy(() -> SessionPool.builder(PoolOptions.defaults(), new ScriptedBody()).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("session host");
        } finally {
            System.clearProperty(SessionHost.ROLE_PROPERTY);
        }
    }
}
