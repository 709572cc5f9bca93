package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A lost signal connection triggers one full rejoin: it succeeds when the server comes back (a
 * restart), and the room closes as CONNECTION_LOST, releasing everything, when it does not.
 */
@LiveKitServerTest(restartable = true)
class RoomReconnectTest extends RoomRuntimeTest {

    @Test
    void rejoinsAfterAServerRestartAndAudioFlowsBothWaysAgain(LiveKitServer server) throws Exception {
        String roomName = "restart-" + UUID.randomUUID();
        try (Room room = joinAsAgent(server, roomName, "agent-rs"); RoomEventStream events = room.events()) {
            LocalAudioTrack voice = room.publishAudio("agent-voice");
            String sidBefore = voice.sid();
            String participantSidBefore = room.localSid();
            try (ToneWriter writer = new ToneWriter(voice, 880, 16_000)) {
                long restartAt = System.nanoTime();
                server.restart();
                RoomEvent.Reconnecting reconnecting = RoomEvents.next(events, RoomEvent.Reconnecting.class, Duration.ofSeconds(30));
                RoomEvents.next(events, RoomEvent.Reconnected.class, Duration.ofSeconds(40));
                System.out.printf("[rooms] rejoined %d ms after the server restart began (cause: %s)%n",
                        (System.nanoTime() - restartAt) / 1_000_000, reconnecting.cause());
                assertThat(room.isClosed()).isFalse();
                assertThat(room.localSid()).isNotEqualTo(participantSidBefore);
                assertThat(voice.isPublished()).isTrue();
                assertThat(voice.sid()).startsWith("TR_").isNotEqualTo(sidBefore);
                assertThat(runtime.liveObjects().peerConnections()).isEqualTo(2);

                try (NodePeer callers = NodePeer.start("caller.mjs")) {
                    callers.joinCaller("rs", server.url(), server.participantToken(roomName, "caller-rs"), 440);
                    NodePeer.Event heard = callers.await(e -> e.is("heard", "rs") && e.text("participant").equals("agent-rs")
                            && e.number("rms") > 1000 && Math.abs(e.number("hz") - 880) < 10, Duration.ofSeconds(20));
                    assertThat(heard.text("trackSid")).isEqualTo(voice.sid());
                    RemoteAudioTrack track = room.awaitAudioTrack(t -> t.participantIdentity().equals("caller-rs"),
                            Duration.ofSeconds(20)).orElseThrow();
                    assertThat(RoomAudioTest.listenFor(track, 440, Duration.ofSeconds(20)).hz()).isBetween(430.0, 450.0);
                    callers.leaveCaller("rs");
                }
                assertThat(writer.failure()).isNull();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.liveObjects().isZero());
    }

    @Test
    void closesAsConnectionLostWhenTheServerStaysDown(LiveKitServer server) throws Exception {
        String roomName = "down-" + UUID.randomUUID();
        Room room = joinAsAgent(server, roomName, "agent-down",
                RoomOptions.defaults().withReconnectWindow(Duration.ofSeconds(3)));
        LocalAudioTrack voice = room.publishAudio("agent-voice");
        try {
            long stoppedAt = System.nanoTime();
            server.stop();
            CloseReason reason = room.awaitClosed(Duration.ofSeconds(40)).orElseThrow(
                    () -> new AssertionError("the room did not close while the server was down"));
            System.out.printf("[rooms] closed %d ms after the server stopped: %s%n",
                    (System.nanoTime() - stoppedAt) / 1_000_000, reason);
            assertThat(reason.cause()).isEqualTo(CloseReason.Cause.CONNECTION_LOST);
            assertThat(reason.isNormal()).isFalse();
            assertThat(reason.detail()).contains("rejoin failed");
            assertThat(voice.isPublished()).isFalse();
            assertThat(runtime.liveObjects().isZero()).as("%s", runtime.liveObjects()).isTrue();
        } finally {
            room.close();
            server.start();
        }
    }
}
