package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.pool.FailureSource;
import io.openrtc.pool.PoolOptions;
import io.openrtc.rtc.RoomOptions;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The supervisor against a real livekit-server: one agent whose code keeps failing is declined
 * while another agent of the same worker keeps taking calls; and a LiveKit server that goes away
 * under running sessions (their rooms lost for good) is not held against the agent or the worker,
 * which takes the agent's calls again once the server is back.
 */
@LiveKitServerTest(restartable = true)
class AgentPoolSupervisorTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    private final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();

    @Test
    void anAgentWhoseCodeKeepsFailingIsDeclinedWhileTheOtherAgentKeepsServing(LiveKitServer server) throws Exception {
        try (AgentPool pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName("supervised")
                .add("faulty", session -> {
                    throw new IllegalStateException("the booking service is down");
                })
                .add("fine", session -> {
                })
                .poolOptions(PoolOptions.builder().consecutiveFailureLimit(2).drainTimeout(Duration.ofSeconds(5)).build())
                .listener(events::add)
                .build()) {
            pool.start();
            for (int i = 0; i < 2; i++) {
                String room = dispatch(server, "supervised", "faulty", this::ended);
                assertThat(outcome(room)).isInstanceOf(SessionOutcome.Failed.class);
            }

            String declined = dispatch(server, "supervised", "faulty", this::declined);
            assertThat(declineOf(declined).reason()).isEqualTo(DeclineReason.AGENT_UNHEALTHY);
            assertThat(declineOf(declined).detail()).contains("the booking service is down");
            String served = dispatch(server, "supervised", "fine", this::ended);
            assertThat(outcome(served)).isInstanceOf(SessionOutcome.Success.class);

            assertThat(pool.snapshot().pool().unhealthyAgents()).containsOnlyKeys("faulty");
            assertThat(pool.snapshot().broken()).isFalse();
            assertThat(pool.snapshot().pool().tripped()).isFalse();
            assertThat(pool.snapshot().worker().state()).isEqualTo(ConnectionState.REGISTERED);
            assertThat(pool.isDraining()).isFalse();
        }
    }

    @Test
    void roomsLostWithTheServerCountAgainstNeitherTheAgentNorTheWorker(LiveKitServer server) throws Exception {
        try (AgentPool pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName("steady")
                .add("steady", session -> session.room().awaitClosed(Duration.ofMinutes(5)))
                // Give up on a lost room quickly, so the sessions fail soon after the server goes.
                .roomOptions(RoomOptions.defaults().withReconnectWindow(Duration.ofSeconds(2)))
                .poolOptions(PoolOptions.builder().consecutiveFailureLimit(1).drainTimeout(Duration.ofSeconds(5)).build())
                .listener(events::add)
                .build()) {
            pool.start();
            String first = dispatch(server, "steady", "steady", this::running);
            String second = dispatch(server, "steady", "steady", this::running);

            server.stop();
            try {
                await().atMost(WAIT).until(() -> ended(first) && ended(second));
            } finally {
                server.start();
            }
            for (String room : List.of(first, second)) {
                assertThat(outcome(room)).isInstanceOfSatisfying(SessionOutcome.Failed.class, failed -> {
                    assertThat(failed.message()).contains("the room connection ended");
                    assertThat(FailureSource.of(failed.error())).isEqualTo(FailureSource.INFRASTRUCTURE);
                });
            }
            assertThat(pool.snapshot().pool().unhealthyAgents()).isEmpty();
            assertThat(pool.snapshot().pool().tripped()).isFalse();
            assertThat(pool.snapshot().broken()).isFalse();

            // The server is back: the worker registers again and the agent takes its calls.
            await().atMost(WAIT).until(() -> pool.snapshot().worker().state() == ConnectionState.REGISTERED);
            String after = dispatch(server, "steady", "steady", this::running);
            assertThat(events).noneMatch(e -> e instanceof OpenRtcEvent.JobDeclined d && d.job().roomName().equals(after));
            server.roomService().deleteRoom(after).execute();
            await().atMost(WAIT).until(() -> ended(after));
            assertThat(outcome(after)).isInstanceOf(SessionOutcome.Success.class);
        }
    }

    /** Dispatches {@code agentName} with job metadata naming {@code agent} until {@code done} holds for the room. */
    private static String dispatch(LiveKitServer server, String agentName, String agent,
                                   java.util.function.Predicate<String> done) throws Exception {
        return Dispatches.dispatchUntilAccepted(server, agentName, "{\"agent\":\"" + agent + "\"}", done);
    }

    private boolean running(String room) {
        return events.stream().anyMatch(e -> e instanceof OpenRtcEvent.SessionRunning r && r.session().roomName().equals(room));
    }

    private boolean ended(String room) {
        return endedEvent(room).isPresent();
    }

    private boolean declined(String room) {
        return events.stream().anyMatch(e -> e instanceof OpenRtcEvent.JobDeclined d && d.job().roomName().equals(room));
    }

    private OpenRtcEvent.JobDeclined declineOf(String room) {
        return events.stream().filter(OpenRtcEvent.JobDeclined.class::isInstance).map(OpenRtcEvent.JobDeclined.class::cast)
                .filter(d -> d.job().roomName().equals(room)).findFirst().orElseThrow();
    }

    private SessionOutcome outcome(String room) {
        await().atMost(WAIT).until(() -> ended(room));
        return endedEvent(room).orElseThrow().outcome();
    }

    private Optional<OpenRtcEvent.SessionEnded> endedEvent(String room) {
        return events.stream().filter(OpenRtcEvent.SessionEnded.class::isInstance).map(OpenRtcEvent.SessionEnded.class::cast)
                .filter(s -> s.session().roomName().equals(room)).findFirst();
    }
}
