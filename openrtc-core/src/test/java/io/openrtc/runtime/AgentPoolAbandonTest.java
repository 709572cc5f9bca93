package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.pool.PoolOptions;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import livekit.LivekitModels;
import org.junit.jupiter.api.Test;

/**
 * An agent that ignores its cancel, against a real livekit-server: once {@code openrtc.cancel-grace}
 * has passed it is abandoned. Its room is closed from outside, so its participant leaves LiveKit
 * (and its peer connections are freed) although its thread runs on; it ends cancelled; and the
 * snapshot counts it, against capacity, until its thread really ends.
 */
@LiveKitServerTest
class AgentPoolAbandonTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void anAgentIgnoringItsCancelLeavesItsRoomAndHoldsASlotUntilItsThreadEnds(LiveKitServer server) throws Exception {
        CountDownLatch letItEnd = new CountDownLatch(1);
        List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
        try (AgentPool pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName("stubborn")
                .add("stubborn", session -> {
                    while (letItEnd.getCount() > 0) {
                        try {
                            letItEnd.await();
                        } catch (InterruptedException ignored) {
                            // a misbehaving agent: it swallows its interrupt and goes on
                        }
                    }
                })
                .poolOptions(PoolOptions.builder().maxConcurrentSessions(2).cancelGrace(Duration.ofMillis(500)).build())
                .listener(events::add)
                .build()) {
            pool.start();
            String room = Dispatches.dispatchUntilAccepted(server, "stubborn", "", r -> events.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.SessionRunning s && s.session().roomName().equals(r)));
            await().atMost(WAIT).until(() -> agentsIn(server, room) == 1);

            pool.drain("test", Duration.ofMillis(200));

            await().atMost(WAIT).until(() -> events.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.SessionEnded s && s.session().roomName().equals(room)));
            SessionOutcome outcome = events.stream().filter(OpenRtcEvent.SessionEnded.class::isInstance)
                    .map(OpenRtcEvent.SessionEnded.class::cast).filter(s -> s.session().roomName().equals(room))
                    .findFirst().orElseThrow().outcome();
            assertThat(outcome).isInstanceOfSatisfying(SessionOutcome.Cancelled.class,
                    c -> assertThat(c.reason()).contains("abandoned"));
            // Its thread is still stuck, yet its participant left the room.
            await().atMost(WAIT).until(() -> agentsIn(server, room) == 0);
            assertThat(letItEnd.getCount()).isEqualTo(1);
            assertThat(pool.snapshot().pool().abandoned()).isEqualTo(1);
            assertThat(pool.snapshot().pool().load()).isEqualTo(0.5);

            letItEnd.countDown();
            await().atMost(WAIT).until(() -> pool.snapshot().pool().abandoned() == 0);
            assertThat(pool.snapshot().pool().load()).isZero();
        } finally {
            letItEnd.countDown();
        }
    }

    /** Agent participants in {@code room}, as LiveKit sees them. */
    private static long agentsIn(LiveKitServer server, String room) throws Exception {
        List<LivekitModels.ParticipantInfo> participants = server.roomService().listParticipants(room).execute().body();
        return participants == null ? 0 : participants.stream().filter(p -> p.getIdentity().startsWith("agent-")).count();
    }
}
