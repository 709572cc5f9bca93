package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.EventPublisher;
import io.openrtc.worker.SessionHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The same session body gives the same observable result in both isolation modes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IsolationParityTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    /** What the worker, LiveKit and observers can see of a session. */
    record Observed(String outcome, String failureType, String failureMessage, String cancelReason,
            boolean reportedRunning, List<String> events) {
    }

    private final EventPublisher events = new EventPublisher();
    private final EventRecorder recorder = new EventRecorder();
    private SessionPool coroutine;
    private SessionPool process;

    @BeforeAll
    void startPools() {
        events.addListener(recorder);
        coroutine = SessionPool.builder(PoolOptions.defaults(), new ScriptedBody()).prewarm(ScriptedBody.PREWARM)
                .events(events).start();
        process = SessionPool.builder(ProcessIsolationTest.processOptions(2).build(), new ScriptedBody())
                .events(events).start();
    }

    @AfterAll
    void stopPools() {
        coroutine.close();
        process.close();
        events.close();
    }

    static Stream<Arguments> scenarios() {
        return Stream.of(
                Arguments.of("returns", "running", false),
                Arguments.of("sees the same request, thread and shared resources",
                        "check-request;check-shared;running;sleep:20", false),
                Arguments.of("throws after running", "running;throw:no table free", false),
                Arguments.of("throws before running", "throw:room full", false),
                Arguments.of("throws an Error", "running;error:invariant broken", false),
                Arguments.of("is cancelled", "running;block", true),
                Arguments.of("is cancelled before running", "block", true));
    }

    @ParameterizedTest(name = "a session that {0}")
    @MethodSource("scenarios")
    void sameObservableResultInBothModes(String description, String script, boolean cancel) throws Exception {
        await().atMost(WAIT).until(() -> process.isolator().idleCount() > 0);
        Observed inCoroutine = run(coroutine, script, cancel);
        Observed inProcess = run(process, script, cancel);
        System.out.printf("%s: coroutine %s / process %s%n", description, inCoroutine, inProcess);
        assertThat(inProcess).isEqualTo(inCoroutine);
    }

    private Observed run(SessionPool pool, String script, boolean cancel) throws Exception {
        SessionHandle handle = TestJobs.launch(pool, script);
        String jobId = ((PooledSession) handle).request().job().jobId();
        if (cancel) {
            if (script.startsWith("running")) {
                handle.running().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } else if (pool == process) {
                await().atMost(WAIT).until(() -> ((PooledSession) handle).processId() > 0);
            }
            handle.cancel("job terminated");
        }
        SessionOutcome outcome = handle.outcome().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(events.awaitDelivered(WAIT)).isTrue();
        String type = null;
        String message = null;
        String reason = null;
        switch (outcome) {
            case SessionOutcome.Failed f when f.error() instanceof RemoteSessionException remote -> {
                type = remote.remoteType();
                message = remote.getMessage();
            }
            case SessionOutcome.Failed f -> {
                type = f.error().getClass().getName();
                message = f.error().getMessage();
            }
            case SessionOutcome.Cancelled c -> reason = c.reason();
            case SessionOutcome.Success s -> {
            }
        }
        return new Observed(outcome.label(), type, message, reason, handle.running().toCompletableFuture().isDone(),
                recorder.forJob(jobId));
    }
}
