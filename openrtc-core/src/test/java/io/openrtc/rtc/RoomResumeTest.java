package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Reconnection with data in flight, against a real livekit-server and LiveKit's Node SDK: a
 * dropped signal connection is resumed (same participant, streams and RPC calls go on), and a
 * server restart, which forgets the participant, ends in a full rejoin that applies the agent's
 * attributes again and keeps its readers and RPC handlers. (That a worker takes new jobs after a
 * server restart is {@code WorkerServerRestartTest}'s.)
 */
@LiveKitServerTest(restartable = true)
class RoomResumeTest extends RoomWithCallersTest {

    @Test
    void aDroppedSignalConnectionIsResumedWithoutLosingTheSession(LiveKitServer server) throws Exception {
        String roomName = "resume-" + UUID.randomUUID();
        try (Room room = joinAsAgent(server, roomName, "agent-res");
                RoomEventStream events = room.events();
                MessageStream<TextMessage> chat = room.chatMessages()) {
            room.registerRpcMethod("ping", call -> "pong " + call.payload());
            room.setAgentState(AgentState.LISTENING);
            LocalAudioTrack voice = room.publishAudio("agent-voice");
            callers.joinCaller("res", server.url(), server.participantToken(roomName, "caller-res"), 0,
                    List.of(Chat.TOPIC), List.of());
            callers.await(e -> e.is("joined", "res"), WAIT);
            callers.registerRpc("res", "slow", "slow", 3_000);
            callers.await(e -> e.is("rpcRegistered", "res"), WAIT);
            await().atMost(WAIT).until(() -> room.remoteParticipant("caller-res").isPresent());
            String participantSid = room.localSid();
            String trackSid = voice.sid();

            // A call in flight while the signal connection is replaced.
            AtomicReference<Object> outcome = new AtomicReference<>();
            Thread call = Thread.ofVirtual().start(() -> {
                try {
                    outcome.set(room.performRpc("caller-res", "slow", "across the resume", Duration.ofSeconds(20)));
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            callers.await(e -> e.is("rpcInvoked", "res") && e.text("method").equals("slow"), WAIT);

            long droppedAt = System.nanoTime();
            ((LiveKitRoom) room).simulateSignalLoss();
            RoomEvents.next(events, RoomEvent.Reconnecting.class, WAIT);
            RoomEvent.Reconnected reconnected = RoomEvents.next(events, RoomEvent.Reconnected.class, Duration.ofSeconds(40));
            System.out.printf("[rooms] resumed %d ms after the signal connection dropped%n",
                    (System.nanoTime() - droppedAt) / 1_000_000);
            assertThat(reconnected.mode()).isEqualTo(ReconnectMode.RESUMED);
            assertThat(room.localSid()).isEqualTo(participantSid);
            assertThat(voice.sid()).isEqualTo(trackSid);
            assertThat(voice.isPublished()).isTrue();

            call.join(WAIT);
            assertThat(outcome.get()).isEqualTo("across the resume");

            // Streams, RPC and attributes work on, both ways.
            callers.sendText("res", "after", Chat.TOPIC, "still there?", Map.of());
            TextMessage heard = chat.poll(WAIT);
            assertThat(heard).isNotNull();
            assertThat(heard.text()).isEqualTo("still there?");
            room.sendChat("yes");
            callers.await(e -> e.is("text", "res") && e.text("sender").equals("agent-res") && e.text("text").equals("yes"), WAIT);
            callers.performRpc("res", "ping", "agent-res", "ping", "1", 10_000);
            assertThat(callers.await(e -> e.is("rpcResult", "res") && e.text("tag").equals("ping"), WAIT).text("payload"))
                    .isEqualTo("pong 1");
            room.setAgentState(AgentState.THINKING);
            callers.await(e -> e.is("attributes", "res") && "thinking".equals(
                    e.json().get("all").path(AgentState.ATTRIBUTE).asText()), WAIT);

            assertThat(callers.find(e -> e.is("participantLeft", "res"))).as("the caller never saw the agent leave").isEmpty();
            assertThat(room.dataStats().malformedPackets()).isZero();
            callers.leaveCaller("res");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.liveObjects().isZero());
    }

    @Test
    void afterAServerRestartTheRoomRejoinsAndAppliesItsStateAgain(LiveKitServer server) throws Exception {
        String roomName = "rejoin-" + UUID.randomUUID();
        try (Room room = joinAsAgent(server, roomName, "agent-rj",
                RoomOptions.defaults().withReconnectWindow(Duration.ofSeconds(40)));
                RoomEventStream events = room.events();
                MessageStream<TextMessage> chat = room.chatMessages()) {
            room.registerRpcMethod("ping", call -> "pong " + call.payload());
            room.setAgentState(AgentState.LISTENING);
            room.setAttributes(Map.of("party", "2"));
            callers.joinCaller("rj1", server.url(), server.participantToken(roomName, "caller-rj1"), 0);
            callers.await(e -> e.is("joined", "rj1"), WAIT);
            callers.registerRpc("rj1", "hang", "slow", 120_000);
            callers.await(e -> e.is("rpcRegistered", "rj1"), WAIT);
            await().atMost(WAIT).until(() -> room.remoteParticipant("caller-rj1").isPresent());

            AtomicReference<Object> outcome = new AtomicReference<>();
            Thread call = Thread.ofVirtual().start(() -> {
                try {
                    outcome.set(room.performRpc("caller-rj1", "hang", "", Duration.ofSeconds(120)));
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            callers.await(e -> e.is("rpcInvoked", "rj1") && e.text("method").equals("hang"), WAIT);

            long restartAt = System.nanoTime();
            server.restart();
            RoomEvents.next(events, RoomEvent.Reconnecting.class, Duration.ofSeconds(40));
            RoomEvent.Reconnected reconnected = RoomEvents.next(events, RoomEvent.Reconnected.class, Duration.ofSeconds(60));
            System.out.printf("[rooms] reconnected (%s) %d ms after the server restart began%n", reconnected.mode(),
                    (System.nanoTime() - restartAt) / 1_000_000);
            assertThat(reconnected.mode()).as("the restarted server forgot the participant").isEqualTo(ReconnectMode.REJOINED);

            call.join(WAIT);
            assertThat(outcome.get()).isInstanceOfSatisfying(RpcError.class, e -> {
                assertThat(e.code()).isEqualTo(RpcError.RECIPIENT_DISCONNECTED);
                assertThat(e.data()).contains("rejoin");
            });
            callers.leaveCaller("rj1");

            // A caller of the new server sees the agent's attributes as they were, and the readers and
            // handlers registered before the restart serve it.
            callers.joinCaller("rj2", server.url(), server.participantToken(roomName, "caller-rj2"), 0,
                    List.of(Chat.TOPIC), List.of());
            NodePeer.Event joined = callers.await(e -> e.is("joined", "rj2"), WAIT);
            JsonNode agent = null;
            for (JsonNode participant : joined.json().get("participants")) {
                if (participant.get("identity").asText().equals("agent-rj")) {
                    agent = participant;
                }
            }
            assertThat(agent).as("the agent in %s", joined).isNotNull();
            assertThat(agent.get("attributes").get(AgentState.ATTRIBUTE).asText()).isEqualTo("listening");
            assertThat(agent.get("attributes").get("party").asText()).isEqualTo("2");

            callers.sendText("rj2", "hi", Chat.TOPIC, "back again", Map.of());
            TextMessage heard = chat.poll(WAIT);
            assertThat(heard).isNotNull();
            assertThat(heard.text()).isEqualTo("back again");
            callers.performRpc("rj2", "ping", "agent-rj", "ping", "2", 10_000);
            assertThat(callers.await(e -> e.is("rpcResult", "rj2") && e.text("tag").equals("ping"), WAIT).text("payload"))
                    .isEqualTo("pong 2");
            room.sendChat("welcome back");
            callers.await(e -> e.is("text", "rj2") && e.text("text").equals("welcome back"), WAIT);
            callers.leaveCaller("rj2");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.liveObjects().isZero());
    }
}
