package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.openrtc.test.Fuzz;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import livekit.LivekitModels;
import livekit.LivekitModels.DataPacket;
import livekit.LivekitModels.DataStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes what a room reads from other participants: data packets of every kind (user packets,
 * stream headers, chunks and trailers, RPC requests, acks and responses) with hostile fields, and
 * bytes that are no packet at all or a valid one mutated, through the same entry point the data
 * channel uses. Nothing may throw, no input may hang, and what is held stays within the room's
 * bounds (open streams, RPC answers in flight).
 */
class DataPacketFuzzTest {

    private static final long HANG_NANOS = 2_000_000_000L;
    private static final String[] SIDS = {"PA_a", "PA_b", "PA_c", ""};
    private static final String[] STREAMS = {"s1", "s2", "s3", "s4", ""};

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final DataCounters counters = new DataCounters();
    private final TopicRouter<DataMessage> data = new TopicRouter<>("data", 16, 16, 1 << 20, m -> m.payload().length,
            counters.droppedMessages);
    private final TopicRouter<TextMessage> texts = new TopicRouter<>("texts", 16, 16, 1 << 20, m -> m.text().length(),
            counters.droppedMessages);
    private final RecordingPacketSender sender = new RecordingPacketSender();
    private final RpcManager rpc = new RpcManager("fuzz", sender, timers, counters, Set.of("alice", "bob")::contains);
    private final AtomicLong delivered = new AtomicLong();
    private final StreamAssembler streams = new StreamAssembler("fuzz", 1 << 20, counters, System::nanoTime, m -> {
        delivered.incrementAndGet();
        texts.deliver(m.topic(), m);
    }, m -> delivered.incrementAndGet());
    private final DataReceiver receiver = new DataReceiver("fuzz", counters, streams, rpc, data);

    @AfterEach
    void tearDown() {
        rpc.close("done");
        timers.shutdownNow();
    }

    @Test
    void hostilePacketsNeverThrowHangOrGrowWithoutBound() {
        Fuzz fuzz = Fuzz.seeded("data packets");
        rpc.register("echo", invocation -> invocation.payload());
        List<byte[]> valid = new ArrayList<>();
        java.util.ArrayDeque<DataPacket> whole = new java.util.ArrayDeque<>();
        long slowest = 0;
        for (int i = 0; i < Fuzz.INPUTS; i++) {
            byte[] bytes;
            if (!whole.isEmpty()) {
                bytes = whole.poll().toByteArray();
            } else if (fuzz.chance(0.03)) {
                // A well-formed stream now and then, so that the hostile ones have a real one to trip over.
                whole.addAll(wellFormedStream(fuzz, i));
                bytes = whole.poll().toByteArray();
            } else if (valid.isEmpty() || fuzz.chance(0.6)) {
                DataPacket packet = packet(fuzz);
                bytes = packet.toByteArray();
                if (valid.size() < 64) {
                    valid.add(bytes);
                }
            } else {
                bytes = fuzz.chance(0.7) ? fuzz.mutate(valid.get(fuzz.nextInt(valid.size()))) : fuzz.bytes();
            }
            long started = System.nanoTime();
            try {
                receive(bytes, !whole.isEmpty() || fuzz.chance(0.8));
            } catch (RuntimeException e) {
                throw new AssertionError("input " + i + " of seed " + fuzz.seed() + " threw", e);
            }
            long took = System.nanoTime() - started;
            slowest = Math.max(slowest, took);
            assertThat(took).as("input %d of seed %d hung", i, fuzz.seed()).isLessThan(HANG_NANOS);
            assertThat(streams.openStreams()).isLessThanOrEqualTo(StreamAssembler.MAX_OPEN_STREAMS);
        }
        DataStats seen = counters.snapshot();
        System.out.printf("[fuzz] data packets: %d inputs, %d malformed, %d duplicates, %d streams dropped, %d messages "
                        + "dropped, %d streams delivered, %d RPC answered, %d refused, %d packets sent back; slowest input %.1f ms%n", Fuzz.INPUTS,
                seen.malformedPackets(), seen.duplicatePackets(), seen.droppedStreams(), seen.droppedMessages(),
                delivered.get(), seen.rpcCallsHandled(), seen.rpcCallsRefused(), sender.size(), slowest / 1e6);
        assertThat(seen.packetsReceived()).isEqualTo(Fuzz.INPUTS);
        // Not vacuous: some inputs were refused, and some got through to a reader.
        assertThat(seen.malformedPackets()).isPositive();
        assertThat(delivered.get()).isPositive();
    }

    /** What the room does with a data channel message. */
    private void receive(byte[] bytes, boolean reliable) {
        try {
            receiver.onDataPacket(DataPacket.parseFrom(bytes), reliable);
        } catch (InvalidProtocolBufferException e) {
            receiver.onUndecodable(bytes.length, e.getMessage());
        }
    }

    private static DataPacket packet(Fuzz fuzz) {
        DataPacket.Builder packet = DataPacket.newBuilder().setParticipantSid(fuzz.oneOf(SIDS))
                .setParticipantIdentity(fuzz.chance(0.8) ? fuzz.oneOf("alice", "bob", "") : fuzz.string())
                .setSequence(fuzz.chance(0.5) ? fuzz.nextInt(50) : fuzz.random().nextInt());
        String stream = fuzz.chance(0.9) ? fuzz.oneOf(STREAMS) : fuzz.string();
        switch (fuzz.nextInt(8)) {
            case 0 -> packet.setUser(LivekitModels.UserPacket.newBuilder().setTopic(topic(fuzz))
                    .setPayload(ByteString.copyFrom(fuzz.bytes())));
            case 1 -> {
                DataStream.Header.Builder header = DataStream.Header.newBuilder().setStreamId(stream).setTopic(topic(fuzz))
                        .setMimeType(fuzz.string()).setTimestamp(fuzz.random().nextLong())
                        .setTotalLength(fuzz.chance(0.5) ? fuzz.nextInt(5000) : fuzz.random().nextLong());
                for (int a = fuzz.nextInt(3); a > 0; a--) {
                    header.putAttributes(fuzz.string(), fuzz.string());
                }
                if (fuzz.chance(0.5)) {
                    header.setTextHeader(DataStream.TextHeader.newBuilder().setVersion(fuzz.random().nextInt())
                            .setReplyToStreamId(fuzz.string()));
                } else if (fuzz.chance(0.8)) {
                    header.setByteHeader(DataStream.ByteHeader.newBuilder().setName(fuzz.string()));
                }
                packet.setStreamHeader(header);
            }
            case 2, 3 -> packet.setStreamChunk(DataStream.Chunk.newBuilder().setStreamId(stream)
                    .setChunkIndex(fuzz.chance(0.8) ? fuzz.nextInt(8) : fuzz.random().nextLong())
                    .setVersion(fuzz.nextInt(3)).setContent(ByteString.copyFrom(fuzz.chance(0.7)
                            ? fuzz.string().getBytes(java.nio.charset.StandardCharsets.UTF_8) : fuzz.bytes())));
            case 4 -> {
                DataStream.Trailer.Builder trailer = DataStream.Trailer.newBuilder().setStreamId(stream)
                        .setReason(fuzz.chance(0.7) ? "" : fuzz.string());
                if (fuzz.chance(0.3)) {
                    trailer.putAttributes(fuzz.string(), fuzz.string());
                }
                packet.setStreamTrailer(trailer);
            }
            case 5 -> packet.setRpcRequest(LivekitModels.RpcRequest.newBuilder().setId(fuzz.string())
                    .setMethod(fuzz.chance(0.5) ? "echo" : fuzz.string()).setPayload(fuzz.string())
                    .setResponseTimeoutMs(fuzz.random().nextInt()).setVersion(fuzz.nextInt(3)));
            case 6 -> packet.setRpcAck(LivekitModels.RpcAck.newBuilder().setRequestId(fuzz.string()));
            default -> {
                LivekitModels.RpcResponse.Builder response = LivekitModels.RpcResponse.newBuilder().setRequestId(fuzz.string());
                if (fuzz.chance(0.5)) {
                    response.setPayload(fuzz.string());
                } else {
                    response.setError(LivekitModels.RpcError.newBuilder().setCode(fuzz.random().nextInt())
                            .setMessage(fuzz.string()).setData(fuzz.string()));
                }
                packet.setRpcResponse(response);
            }
        }
        return packet.build();
    }

    /** Header, chunks and trailer of one text stream, from a sender of its own (its numbering starts afresh). */
    private static List<DataPacket> wellFormedStream(Fuzz fuzz, int n) {
        String id = "whole-" + n;
        String sid = "PA_whole" + n;
        byte[] text = ("message " + n).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<DataPacket> packets = new ArrayList<>();
        packets.add(DataPacket.newBuilder().setParticipantSid(sid).setParticipantIdentity("alice").setSequence(1)
                .setStreamHeader(DataStream.Header.newBuilder().setStreamId(id).setTopic(topic(fuzz)).setTotalLength(text.length)
                        .setTextHeader(DataStream.TextHeader.getDefaultInstance())).build());
        packets.add(DataPacket.newBuilder().setParticipantSid(sid).setParticipantIdentity("alice").setSequence(2)
                .setStreamChunk(DataStream.Chunk.newBuilder().setStreamId(id).setChunkIndex(0)
                        .setContent(ByteString.copyFrom(text))).build());
        packets.add(DataPacket.newBuilder().setParticipantSid(sid).setParticipantIdentity("alice").setSequence(3)
                .setStreamTrailer(DataStream.Trailer.newBuilder().setStreamId(id)).build());
        return packets;
    }

    private static String topic(Fuzz fuzz) {
        return fuzz.chance(0.8) ? fuzz.oneOf("t", "lk.chat", "lk.transcription") : fuzz.string();
    }
}
