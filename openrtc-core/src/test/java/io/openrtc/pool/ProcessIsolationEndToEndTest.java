package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.worker.ParticipantSpec;
import io.openrtc.worker.Worker;
import io.openrtc.worker.WorkerOptions;
import java.time.Duration;
import java.util.UUID;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Process isolation end to end: LiveKit dispatches a job, the worker accepts it through the
 * pool, the session runs in a prewarmed child JVM, and its outcome reaches the worker, which
 * reports the job's final status to LiveKit (the worker's own tests check what it sends; this
 * LiveKit version does not show a finished job's status through its dispatch API).
 */
@LiveKitServerTest
class ProcessIsolationEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aDispatchedJobRunsInAPrewarmedChildJvmAndItsOutcomeReachesTheWorker(LiveKitServer server) throws Exception {
        String agent = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
        EventPublisher events = new EventPublisher();
        EventRecorder recorder = new EventRecorder();
        events.addListener(recorder);
        try (SessionPool pool = ProcessIsolationTest.startWarm(ProcessIsolationTest.processOptions(2).build(), events);
                Worker worker = new Worker(WorkerOptions.builder(server.url(), server.apiKey(), server.apiSecret())
                        .agentName(agent).build(),
                        job -> pool.tryClaim(job, agent, ParticipantSpec.forJob(job.jobId(), agent)), pool, events)) {
            worker.start();
            await().atMost(WAIT).until(() -> !recorder.of(OpenRtcEvent.WorkerRegistered.class).isEmpty());

            String ok = dispatchUntilAccepted(server, recorder, agent, "check-child-jvm;running;sleep:200");
            String failing = dispatchUntilAccepted(server, recorder, agent, "check-child-jvm;running;throw:no table free");

            OpenRtcEvent.SessionEnded okEnd = awaitEnded(recorder, ok);
            assertThat(okEnd.outcome()).isInstanceOf(SessionOutcome.Success.class);
            OpenRtcEvent.SessionEnded failedEnd = awaitEnded(recorder, failing);
            assertThat(failedEnd.outcome()).isInstanceOfSatisfying(SessionOutcome.Failed.class,
                    f -> assertThat(f.error()).isInstanceOf(RemoteSessionException.class).hasMessage("no table free"));
            assertThat(recorder.of(OpenRtcEvent.SessionRunning.class)).extracting(e -> e.session().roomName())
                    .contains(ok, failing);

            // The worker has reported both jobs' final status and holds nothing any more.
            await().atMost(WAIT).until(() -> worker.snapshot().runningJobs().isEmpty());
            assertThat(pool.snapshot().active()).isZero();
            System.out.printf("end to end in process isolation: offer to running %d ms%n",
                    recorder.of(OpenRtcEvent.SessionRunning.class).getFirst().sinceOffer().toMillis());
        } finally {
            events.close();
        }
    }

    private static OpenRtcEvent.SessionEnded awaitEnded(EventRecorder recorder, String room) {
        await().atMost(WAIT).until(() -> recorder.of(OpenRtcEvent.SessionEnded.class).stream()
                .anyMatch(e -> e.session().roomName().equals(room)));
        return recorder.of(OpenRtcEvent.SessionEnded.class).stream().filter(e -> e.session().roomName().equals(room))
                .findFirst().orElseThrow();
    }

    /**
     * LiveKit may drop a dispatch made in the instant after a worker registers, or offer it while
     * its view of the worker is stale: retry in a fresh room until the worker accepts one.
     */
    private static String dispatchUntilAccepted(LiveKitServer server, EventRecorder recorder, String agent,
            String metadata) throws Exception {
        for (int attempt = 1; attempt <= 8; attempt++) {
            String room = "room-" + UUID.randomUUID().toString().substring(0, 8);
            assertThat(server.agentDispatch().createDispatch(room, agent, metadata).execute().isSuccessful()).isTrue();
            try {
                await().atMost(Duration.ofSeconds(5)).until(() -> recorder.of(OpenRtcEvent.JobAccepted.class).stream()
                        .anyMatch(e -> e.job().roomName().equals(room)));
                return room;
            } catch (ConditionTimeoutException e) {
                System.out.println("[test] no accepted job for " + room + " (attempt " + attempt + ")");
            }
        }
        throw new AssertionError("the worker accepted none of 8 dispatches");
    }
}
