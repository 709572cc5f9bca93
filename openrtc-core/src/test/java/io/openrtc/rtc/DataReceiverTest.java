package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import livekit.LivekitModels;
import livekit.LivekitModels.DataPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DataReceiverTest {

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final DataCounters counters = new DataCounters();
    private final TopicRouter<DataMessage> data = new TopicRouter<>("data", 10, 10, 1 << 20,
            m -> m.payload().length, counters.droppedMessages);
    private final TopicRouter<TextMessage> texts = new TopicRouter<>("texts", 10, 10, 1 << 20,
            m -> m.text().length(), counters.droppedMessages);
    private final RecordingPacketSender sender = new RecordingPacketSender();
    private final RpcManager rpc = new RpcManager("test", sender, timers, counters, Set.of("alice")::contains);
    private final StreamAssembler streams = new StreamAssembler("test", 1 << 20, counters, System::nanoTime,
            m -> texts.deliver(m.topic(), m), m -> { });
    private final DataReceiver receiver = new DataReceiver("test", counters, streams, rpc, data);

    @AfterEach
    void tearDown() {
        rpc.close("done");
        timers.shutdownNow();
    }

    @Test
    void repeatedReliableSequenceNumbersOfOneSenderAreDropped() throws InterruptedException {
        MessageStream<DataMessage> stream = data.open("t");
        receiver.onDataPacket(user("PA_a", 1, "one"), true);
        receiver.onDataPacket(user("PA_a", 1, "one again"), true);
        receiver.onDataPacket(user("PA_b", 1, "another sender"), true);
        receiver.onDataPacket(user("PA_a", 2, "two"), true);
        receiver.onDataPacket(user("PA_a", 0, "unnumbered"), true);
        receiver.onDataPacket(user("PA_a", 1, "lossy packets are not numbered"), false);

        assertThat(List.of(next(stream), next(stream), next(stream), next(stream), next(stream)))
                .containsExactly("one", "another sender", "two", "unnumbered", "lossy packets are not numbered");
        assertThat(counters.snapshot().duplicatePackets()).isEqualTo(1);
        assertThat(receiver.receiveStates()).containsOnly(Map.entry("PA_a", 2L), Map.entry("PA_b", 1L));
    }

    @Test
    void bytesThatAreNotADataPacketAndUnusedKindsNeverThrow() {
        receiver.onUndecodable(5, "truncated message");
        receiver.onDataPacket(DataPacket.newBuilder().setParticipantIdentity("alice")
                .setChatMessage(LivekitModels.ChatMessage.newBuilder().setMessage("legacy")).build(), true);
        receiver.onDataPacket(DataPacket.newBuilder().setParticipantIdentity("alice").build(), true);
        assertThat(counters.snapshot().malformedPackets()).isEqualTo(1);
        assertThat(counters.snapshot().packetsReceived()).isEqualTo(3);
    }

    @Test
    void aSenderLeavingDropsItsStreamsAndForgetsItsNumbering() throws InterruptedException {
        receiver.onDataPacket(DataPacket.newBuilder().setParticipantIdentity("alice").setParticipantSid("PA_a")
                .setSequence(7).setStreamHeader(LivekitModels.DataStream.Header.newBuilder().setStreamId("s")
                        .setTopic("t").setTextHeader(LivekitModels.DataStream.TextHeader.getDefaultInstance())).build(), true);
        receiver.participantLeft(new Participant("PA_a", "alice", "", ParticipantKind.STANDARD, "", Map.of(), List.of()));
        assertThat(streams.openStreams()).isZero();
        assertThat(receiver.receiveStates()).isEmpty();
        assertThat(counters.snapshot().droppedStreams()).isEqualTo(1);
    }

    private static String next(MessageStream<DataMessage> stream) throws InterruptedException {
        DataMessage message = stream.poll(Duration.ofSeconds(1));
        return message == null ? null : message.text();
    }

    private static DataPacket user(String sid, int sequence, String text) {
        return DataPacket.newBuilder().setParticipantSid(sid).setParticipantIdentity("alice").setSequence(sequence)
                .setUser(LivekitModels.UserPacket.newBuilder().setTopic("t").setPayload(ByteString.copyFromUtf8(text)))
                .build();
    }
}
