package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Text streams, byte streams, data packets and transcripts between a Java room and LiveKit's own
 * Node SDK ({@code @livekit/rtc-node}) through a real livekit-server.
 */
@LiveKitServerTest
class RoomChatTest extends RoomWithCallersTest {

    @Test
    void aStraightLineAgentAnswersChatIncludingA20KilobyteMessage(LiveKitServer server) throws Exception {
        String roomName = "chat-" + UUID.randomUUID();
        try (Room room = joinAsAgent(server, roomName, "agent-chat")) {
            // The agent's code, as a session would write it: straight-line, blocking, one virtual thread.
            List<TextMessage> heard = new CopyOnWriteArrayList<>();
            AtomicReference<Throwable> agentFailure = new AtomicReference<>();
            Thread agent = Thread.ofVirtual().name("agent").start(() -> {
                try {
                    for (TextMessage m : room.chatMessages()) {
                        heard.add(m);
                        room.sendText(Chat.TOPIC, "you said " + m.text().length() + " chars: "
                                + m.text().substring(0, Math.min(20, m.text().length())),
                                StreamOptions.defaults().replyingTo(m.streamId()));
                    }
                } catch (Throwable t) {
                    agentFailure.set(t);
                }
            });

            callers.joinCaller("chat", server.url(), server.participantToken(roomName, "caller-chat"), 0,
                    List.of(Chat.TOPIC), List.of());
            callers.await(e -> e.is("joined", "chat"), WAIT);
            callers.sendText("chat", "hello", Chat.TOPIC, "Hello, I'd like a table for two", Map.of());
            String helloStream = callers.await(e -> e.is("textSent", "chat") && e.text("tag").equals("hello"), WAIT)
                    .text("streamId");

            // 20 KB with multi-byte characters: more than one 15 000-byte chunk, split on code points.
            String big = "Grüße aus Köln 🎉 ".repeat(1100);
            assertThat(big.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(20_000);
            callers.sendText("chat", "big", Chat.TOPIC, big, Map.of("kind", "long"));

            await().atMost(WAIT).until(() -> heard.size() == 2);
            TextMessage first = heard.get(0);
            assertThat(first.text()).isEqualTo("Hello, I'd like a table for two");
            assertThat(first.senderIdentity()).isEqualTo("caller-chat");
            assertThat(first.topic()).isEqualTo(Chat.TOPIC);
            assertThat(first.streamId()).isEqualTo(helloStream);
            TextMessage second = heard.get(1);
            assertThat(second.text()).isEqualTo(big);
            assertThat(second.attributes()).containsEntry("kind", "long");

            NodePeer.Event answer = callers.await(e -> e.is("text", "chat") && e.text("sender").equals("agent-chat")
                    && e.text("text").startsWith("you said 31 chars"), WAIT);
            assertThat(answer.text("topic")).isEqualTo(Chat.TOPIC);
            NodePeer.Event bigAnswer = callers.await(e -> e.is("text", "chat") && e.text("sender").equals("agent-chat")
                    && e.text("text").startsWith("you said " + big.length() + " chars"), WAIT);
            assertThat(bigAnswer.text("text")).endsWith(big.substring(0, 20));

            // A 20 KB answer the other way, and an incremental stream, reach the caller whole.
            room.sendText(Chat.TOPIC, big);
            callers.await(e -> e.is("text", "chat") && e.text("sender").equals("agent-chat")
                    && e.text("text").equals(big), WAIT);
            try (TextStreamWriter writer = room.streamText(Chat.TOPIC, StreamOptions.defaults())) {
                for (String word : List.of("Your ", "table ", "is ", "booked ", "✓")) {
                    writer.write(word);
                }
            }
            callers.await(e -> e.is("text", "chat") && e.text("sender").equals("agent-chat")
                    && e.text("text").equals("Your table is booked ✓"), WAIT);

            assertThat(agentFailure.get()).isNull();
            DataStats stats = room.dataStats();
            System.out.println("[rooms] chat data stats: " + stats);
            assertThat(stats.malformedPackets()).isZero();
            callers.leaveCaller("chat");
            room.close();
            agent.join(Duration.ofSeconds(10));
            assertThat(agent.isAlive()).as("the agent's loop ends when the room closes").isFalse();
        }
    }

    @Test
    void dataPacketsAndByteStreamsBothWays(LiveKitServer server) throws Exception {
        String roomName = "data-" + UUID.randomUUID();
        try (Room room = joinAsAgent(server, roomName, "agent-data");
                MessageStream<DataMessage> packets = room.dataMessages("game");
                MessageStream<TextMessage> notes = room.texts("notes")) {
            callers.joinCaller("data", server.url(), server.participantToken(roomName, "caller-data"), 0,
                    List.of("notes"), List.of("files"));
            callers.await(e -> e.is("joined", "data"), WAIT);
            callers.sendData("data", "p1", "game", "move e2e4", true);
            callers.await(e -> e.is("dataSent", "data") && e.text("tag").equals("p1"), WAIT);
            DataMessage first = packets.poll(WAIT);
            assertThat(first).isNotNull();
            assertThat(first.text()).isEqualTo("move e2e4");
            assertThat(first.senderIdentity()).isEqualTo("caller-data");
            assertThat(first.topic()).isEqualTo("game");
            assertThat(first.reliable()).isTrue();
            // Lossy packets go on the other channel; only reliable delivery is promised, so a lost one is no failure.
            callers.sendData("data", "p2", "game", "lossy ping", false);
            DataMessage second = packets.poll(Duration.ofSeconds(5));
            if (second != null) {
                assertThat(second.text()).isEqualTo("lossy ping");
                assertThat(second.reliable()).isFalse();
            }

            room.publishData("move e7e5".getBytes(StandardCharsets.UTF_8), DataOptions.RELIABLE.withTopic("game"));
            room.publishData("to you only".getBytes(StandardCharsets.UTF_8),
                    DataOptions.RELIABLE.withTopic("game").to("caller-data"));
            callers.await(e -> e.is("data", "data") && e.text("text").equals("move e7e5")
                    && e.text("topic").equals("game") && e.text("sender").equals("agent-data"), WAIT);
            callers.await(e -> e.is("data", "data") && e.text("text").equals("to you only"), WAIT);

            // A byte stream of 40 000 bytes (three chunks) to the caller.
            byte[] file = new byte[40_000];
            for (int i = 0; i < file.length; i++) {
                file[i] = (byte) (i * 31);
            }
            String fileStream = room.sendBytes("files", "menu.bin", "", file, StreamOptions.defaults());
            NodePeer.Event got = callers.await(e -> e.is("bytes", "data") && e.text("streamId").equals(fileStream), WAIT);
            assertThat(got.number("size")).isEqualTo(40_000);
            assertThat(got.text("name")).isEqualTo("menu.bin");
            assertThat(got.text("mimeType")).isEqualTo("application/octet-stream");

            // An incremental stream from the caller arrives whole, once.
            callers.streamText("data", "s1", "notes", List.of("one ", "two ", "three"), Map.of("n", "3"));
            TextMessage note = notes.poll(WAIT);
            assertThat(note).isNotNull();
            assertThat(note.text()).isEqualTo("one two three");
            assertThat(note.attributes()).containsEntry("n", "3");
            assertThat(notes.poll(Duration.ofMillis(300))).isNull();

            assertThatOversizedDataIsRefused(room);
            assertThat(room.dataStats().malformedPackets()).isZero();
            callers.leaveCaller("data");
        }
    }

    private static void assertThatOversizedDataIsRefused(Room room) {
        byte[] tooBig = new byte[DataOptions.MAX_PAYLOAD_BYTES + 1];
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> room.publishData(tooBig, DataOptions.RELIABLE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("15360");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> room.sendText("t", "x",
                        StreamOptions.defaults().withAttribute("big", "x".repeat(16_000))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("15000");
    }

    @Test
    void transcriptsCarryLiveKitsAttributesAndTheFinalFlagInTheTrailer(LiveKitServer server) throws Exception {
        String roomName = "transcript-" + UUID.randomUUID();
        // The listener is a second Java room: LiveKit's Node SDK does not expose trailer attributes.
        try (Room agent = joinAsAgent(server, roomName, "agent-tr");
                Room listener = Room.connect(runtime, server.url(), server.participantToken(roomName, "listener-tr"),
                        RoomOptions.defaults());
                MessageStream<TextMessage> transcripts = listener.texts(Transcription.TOPIC)) {
            callers.joinCaller("tr", server.url(), server.participantToken(roomName, "caller-tr"), 0,
                    List.of(Transcription.TOPIC), List.of());
            callers.await(e -> e.is("joined", "tr"), WAIT);
            await().atMost(WAIT).until(() -> agent.remoteParticipant("listener-tr").isPresent()
                    && agent.remoteParticipant("caller-tr").isPresent());
            LocalAudioTrack voice = agent.publishAudio("agent-voice");
            String segment;
            try (TextStreamWriter words = agent.streamTranscript(voice.sid())) {
                for (String word : List.of("Welcome ", "to ", "reservations.")) {
                    words.write(word);
                }
                segment = words.streamId();
            }
            TextMessage received = transcripts.poll(WAIT);
            assertThat(received).isNotNull();
            assertThat(received.streamId()).isEqualTo(segment);
            assertThat(received.text()).isEqualTo("Welcome to reservations.");
            assertThat(received.senderIdentity()).isEqualTo("agent-tr");
            assertThat(Transcription.isFinal(received)).as("final flag merged from the trailer").isTrue();
            assertThat(Transcription.transcribedTrackId(received)).isEqualTo(voice.sid());
            assertThat(Transcription.segmentId(received)).startsWith("SG_");

            NodePeer.Event seen = callers.await(e -> e.is("text", "tr") && e.text("streamId").equals(segment), WAIT);
            assertThat(seen.text("text")).isEqualTo("Welcome to reservations.");
            assertThat(seen.json().get("attributes").get(Transcription.TRANSCRIBED_TRACK_ID).asText()).isEqualTo(voice.sid());
            assertThat(seen.json().get("attributes").get(Transcription.FINAL).asText()).isEqualTo("false");

            String whole = agent.sendTranscript(voice.sid(), "Anything else?");
            TextMessage final2 = transcripts.poll(WAIT);
            assertThat(final2.streamId()).isEqualTo(whole);
            assertThat(Transcription.isFinal(final2)).isTrue();
            callers.leaveCaller("tr");
        }
    }
}
