package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole runtime against a real livekit-server and a real LiveKit caller (LiveKit's Node SDK):
 * dispatch, admission, routing, the pool, the automatic room join, audio both ways, and the end
 * of the session when the room is deleted.
 */
@LiveKitServerTest
class AgentPoolLiveKitTest {

    @AutoClose
    private static NodePeer callers;

    @BeforeAll
    static void startCallers() {
        callers = NodePeer.start("caller.mjs");
    }

    @Test
    void aDispatchedSessionJoinsItsRoomAndTalksBothWaysUntilTheRoomIsDeleted(LiveKitServer server) throws Exception {
        ToneAgent agent = new ToneAgent();
        List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
        try (AgentPool pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName("tone-agent")
                .add("tone", agent)
                .listener(events::add)
                .build()) {
            pool.start();
            assertThat(pool.snapshot().worker().state()).isEqualTo(ConnectionState.REGISTERED);

            String room = Dispatches.dispatchUntilAccepted(server, "tone-agent", "{}", r -> events.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.JobAccepted a && a.job().roomName().equals(r)));
            OpenRtcEvent.JobAccepted accepted = events.stream().filter(OpenRtcEvent.JobAccepted.class::isInstance)
                    .map(OpenRtcEvent.JobAccepted.class::cast).filter(a -> a.job().roomName().equals(room)).findFirst().orElseThrow();
            String jobId = accepted.job().jobId();
            assertThat(accepted.agentName()).isEqualTo("tone");

            // The session joined before the agent's code ran, as agent-<jobId>.
            await().atMost(Duration.ofSeconds(30)).until(() -> events.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.SessionRunning r && r.session().jobId().equals(jobId)));
            assertThat(agent.identities).containsExactly("agent-" + jobId);

            callers.joinCaller("c1", server.url(), server.participantToken(room, "caller-1"), 440);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(agent.heardHz).anySatisfy(hz -> assertThat(hz).isBetween(430.0, 450.0)));
            NodePeer.Event heard = callers.await(e -> e.is("heard", "c1") && e.text("participant").equals("agent-" + jobId)
                    && e.number("rms") > 500 && Math.abs(e.number("hz") - ToneAgent.HEARD_YOU_HZ) < 15, Duration.ofSeconds(30));
            assertThat(heard.number("hz")).isBetween(645.0, 675.0);

            assertThat(server.roomService().deleteRoom(room).execute().isSuccessful()).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> events.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.SessionEnded s && s.session().jobId().equals(jobId)));
            SessionOutcome outcome = events.stream().filter(OpenRtcEvent.SessionEnded.class::isInstance)
                    .map(OpenRtcEvent.SessionEnded.class::cast).filter(s -> s.session().jobId().equals(jobId))
                    .findFirst().orElseThrow().outcome();
            assertThat(outcome).isInstanceOf(SessionOutcome.Success.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.snapshot().pool().active() == 0);
        } finally {
            callers.leaveCaller("c1");
        }
    }

    @Test
    void anAgentThatThrowsFailsItsSessionAndTheWorkerStaysUp(LiveKitServer server) throws Exception {
        List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
        try (AgentPool pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName("failing-agent")
                .add("failing", session -> {
                    throw new IllegalStateException("boom in " + session.room().name());
                })
                .listener(events::add)
                .build()) {
            pool.start();
            String room = Dispatches.dispatchUntilAccepted(server, "failing-agent", "", r -> events.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.JobAccepted a && a.job().roomName().equals(r)));
            await().atMost(Duration.ofSeconds(30)).until(() -> events.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.SessionEnded s && s.session().roomName().equals(room)));
            SessionOutcome outcome = events.stream().filter(OpenRtcEvent.SessionEnded.class::isInstance)
                    .map(OpenRtcEvent.SessionEnded.class::cast).filter(s -> s.session().roomName().equals(room))
                    .findFirst().orElseThrow().outcome();
            assertThat(outcome).isInstanceOfSatisfying(SessionOutcome.Failed.class,
                    f -> assertThat(f.message()).contains("boom in " + room));
            assertThat(pool.snapshot().worker().state()).isEqualTo(ConnectionState.REGISTERED);
        }
    }
}
