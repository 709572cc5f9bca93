package io.openrtc.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.WorkerSnapshot;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import java.time.Duration;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The worker across a real livekit-server that stops and starts again. */
@LiveKitServerTest(restartable = true)
class WorkerServerRestartTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @AutoClose
    private RealWorkers workers;

    @BeforeEach
    void setUp(LiveKitServer server) {
        workers = new RealWorkers(server);
    }

    @Test
    void afterAServerRestartTheWorkerReRegistersKeepsItsRunningSessionAndRunsNewJobs(LiveKitServer server) throws Exception {
        String agent = RealWorkers.unique("restart");
        FixtureSessionPool pool = workers.heldPool(3, agent);
        RealWorkers.Started w = workers.start(agent, pool);
        String before = workers.dispatchUntilAccepted(agent, "", w);
        await().atMost(WAIT).until(() -> pool.running.get() == 1);
        String firstId = w.worker().snapshot().workerId();

        server.restart();

        await().atMost(WAIT).until(() -> !w.events().all(OpenRtcEvent.WorkerDisconnected.class).isEmpty());
        // The state turns REGISTERED just before the event is published: wait for both.
        await().atMost(WAIT).until(() -> w.worker().snapshot().state() == ConnectionState.REGISTERED
                && w.events().all(OpenRtcEvent.WorkerRegistered.class).size() >= 2);
        WorkerSnapshot afterRestart = w.worker().snapshot();
        assertThat(afterRestart.workerId()).startsWith("AW_").isNotEqualTo(firstId);
        assertThat(afterRestart.lastError()).isNotEmpty();
        assertThat(afterRestart.runningJobs()).as("the session outlives the worker socket")
                .extracting(WorkerSnapshot.RunningJob::roomName).containsExactly(before);

        String after = workers.dispatchUntilAccepted(agent, "after restart", w);
        workers.release(after);
        await().atMost(WAIT).until(() -> pool.outcomeForRoom(after) != null);
        assertThat(pool.outcomeForRoom(after)).isInstanceOf(SessionOutcome.Success.class);

        workers.release(before);
        await().atMost(WAIT).until(() -> pool.outcomeForRoom(before) != null);
        assertThat(pool.outcomeForRoom(before)).isInstanceOf(SessionOutcome.Success.class);
        await().atMost(WAIT).until(() -> w.worker().snapshot().runningJobs().isEmpty());
        assertThat(pool.contractBreaches).isEmpty();
    }

    @Test
    void aWorkerStartedWhileTheServerIsDownShowsDisconnectedAndRegistersOnceItIsUp(LiveKitServer server) throws Exception {
        String agent = RealWorkers.unique("late");
        server.stop();
        RealWorkers.Started w;
        try {
            w = workers.start(agent, workers.heldPool(1, agent));

            WorkerSnapshot down = w.worker().snapshot();
            assertThat(down.state()).isIn(ConnectionState.DISCONNECTED, ConnectionState.CONNECTING);
            assertThat(down.lastError()).contains(server.url() + "/agent");
            assertThat(down.failedAttempts()).isGreaterThanOrEqualTo(1);
            await().atMost(WAIT).until(() -> w.worker().snapshot().failedAttempts() >= 2);
        } finally {
            server.start();
        }
        await().atMost(WAIT).until(() -> w.worker().snapshot().state() == ConnectionState.REGISTERED);
        assertThat(w.worker().snapshot().failedAttempts()).isZero();

        String room = workers.dispatchUntilAccepted(agent, "", w);
        workers.release(room);
        await().atMost(WAIT).until(() -> w.pool().outcomeForRoom(room) != null);
        assertThat(w.pool().outcomeForRoom(room)).isInstanceOf(SessionOutcome.Success.class);
    }
}
