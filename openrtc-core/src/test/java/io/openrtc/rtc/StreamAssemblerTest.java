package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import livekit.LivekitModels.DataPacket;
import livekit.LivekitModels.DataStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StreamAssemblerTest {

    private final List<TextMessage> texts = new ArrayList<>();
    private final List<ByteStreamMessage> byteStreams = new ArrayList<>();
    private final DataCounters counters = new DataCounters();
    private final AtomicLong clock = new AtomicLong();
    private StreamAssembler assembler;

    @BeforeEach
    void setUp() {
        assembler = new StreamAssembler("test", 100_000, counters, clock::get, texts::add, byteStreams::add);
    }

    @Test
    void assemblesChunksInIndexOrderWhateverOrderTheyArriveIn() {
        assembler.onHeader(textHeader("s1", "lk.chat", Map.of("a", "1"), 11));
        assembler.onChunk(chunk("s1", 2, "rld", 0));
        assembler.onChunk(chunk("s1", 0, "hell", 0));
        assembler.onChunk(chunk("s1", 1, "o wo", 0));
        assertThat(texts).isEmpty();
        assembler.onTrailer(trailer("s1", "", Map.of()));

        assertThat(texts).singleElement().satisfies(m -> {
            assertThat(m.text()).isEqualTo("hello world");
            assertThat(m.streamId()).isEqualTo("s1");
            assertThat(m.senderIdentity()).isEqualTo("alice");
            assertThat(m.topic()).isEqualTo("lk.chat");
            assertThat(m.attributes()).containsExactly(Map.entry("a", "1"));
        });
        assertThat(assembler.openStreams()).isZero();
        assertThat(counters.snapshot().malformedPackets()).isZero();
    }

    @Test
    void aV2HeaderWithInlineContentIsAWholeMessage() {
        // What LiveKit's Rust-based SDKs (Node, Python) send for a short text: one header packet.
        assembler.onHeader(inlineTextHeader("s1", "I'd like a table for two".getBytes(StandardCharsets.UTF_8), 0, 24));

        assertThat(texts).singleElement().satisfies(m -> {
            assertThat(m.text()).isEqualTo("I'd like a table for two");
            assertThat(m.streamId()).isEqualTo("s1");
            assertThat(m.senderIdentity()).isEqualTo("alice");
        });
        assertThat(assembler.openStreams()).isZero();
        // A late trailer of the same id (a sender that sent one anyway) is no malformed packet.
        assembler.onTrailer(trailer("s1", "", Map.of()));
        assertThat(texts).hasSize(1);
        assertThat(counters.snapshot().malformedPackets()).isZero();
    }

    @Test
    void inlineContentCompressedWithRawDeflateIsInflated() {
        String text = "Grüße aus Köln, ".repeat(40);
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        java.util.zip.Deflater deflater = new java.util.zip.Deflater(java.util.zip.Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(utf8);
        deflater.finish();
        byte[] buffer = new byte[4096];
        int length = deflater.deflate(buffer);
        deflater.end();
        assembler.onHeader(inlineTextHeader("s2", java.util.Arrays.copyOf(buffer, length), 1, utf8.length));

        assertThat(texts).singleElement().extracting(TextMessage::text).isEqualTo(text);
        assertThat(counters.snapshot().malformedPackets()).isZero();
    }

    @Test
    void inlineContentThatIsNotDeflateIsDroppedAndCounted() {
        assembler.onHeader(inlineTextHeader("s3", new byte[] {1, 2, 3, 4, 5}, 1, 5));
        assertThat(texts).isEmpty();
        assertThat(counters.snapshot().droppedStreams()).isEqualTo(1);
    }

    @Test
    void aRepeatedChunkIsADuplicateUnlessItsVersionIsHigher() {
        assembler.onHeader(textHeader("s1", "t", Map.of(), -1));
        assembler.onChunk(chunk("s1", 0, "draft", 0));
        assembler.onChunk(chunk("s1", 0, "draft", 0));
        assembler.onChunk(chunk("s1", 0, "final", 1));
        assembler.onChunk(chunk("s1", 0, "older", 0));
        assembler.onTrailer(trailer("s1", "", Map.of()));

        assertThat(texts).singleElement().extracting(TextMessage::text).isEqualTo("final");
        assertThat(counters.snapshot().duplicatePackets()).isEqualTo(2);
    }

    @Test
    void trailerAttributesAreMergedOverTheHeaders() {
        assembler.onHeader(textHeader("s1", Transcription.TOPIC,
                Map.of(Transcription.FINAL, "false", Transcription.SEGMENT_ID, "SG_1"), -1));
        assembler.onChunk(chunk("s1", 0, "hi", 0));
        assembler.onTrailer(trailer("s1", "", Map.of(Transcription.FINAL, "true", "extra", "x")));

        TextMessage message = texts.get(0);
        assertThat(message.attributes()).containsOnly(Map.entry(Transcription.FINAL, "true"),
                Map.entry(Transcription.SEGMENT_ID, "SG_1"), Map.entry("extra", "x"));
        assertThat(Transcription.isFinal(message)).isTrue();
    }

    @Test
    void anAbortedStreamIsDroppedAndCounted() {
        assembler.onHeader(textHeader("s1", "t", Map.of(), -1));
        assembler.onChunk(chunk("s1", 0, "half", 0));
        assembler.onTrailer(trailer("s1", "interrupted", Map.of()));

        assertThat(texts).isEmpty();
        assertThat(counters.snapshot().droppedStreams()).isEqualTo(1);
        assertThat(counters.snapshot().malformedPackets()).isZero();
    }

    @Test
    void aSenderLeavingDropsOnlyItsOpenStreams() {
        assembler.onHeader(textHeader("s1", "t", Map.of(), -1));
        assembler.onHeader(packet("bob", "PA_bob").setStreamHeader(DataStream.Header.newBuilder().setStreamId("s2")
                .setTopic("t").setTextHeader(DataStream.TextHeader.getDefaultInstance())).build());

        assembler.senderLeft("PA_alice", "alice");

        assertThat(assembler.openStreams()).isEqualTo(1);
        assertThat(counters.snapshot().droppedStreams()).isEqualTo(1);
        assembler.onChunk(chunk("s1", 0, "late", 0));
        assertThat(counters.snapshot().malformedPackets()).as("late chunks of a dropped stream are not malformed").isZero();
    }

    @Test
    void malformedPartsAreCountedAndNeverThrow() {
        assembler.onChunk(chunk("nope", 0, "x", 0));
        assembler.onTrailer(trailer("nope", "", Map.of()));
        assembler.onHeader(packet("alice", "PA_alice").setStreamHeader(DataStream.Header.newBuilder().setTopic("t")
                .setTextHeader(DataStream.TextHeader.getDefaultInstance())).build());
        assembler.onHeader(packet("alice", "PA_alice").setStreamHeader(DataStream.Header.newBuilder().setStreamId("s9")
                .setTopic("t")).build());
        // a gap: chunk 1 never came
        assembler.onHeader(textHeader("s1", "t", Map.of(), -1));
        assembler.onChunk(chunk("s1", 0, "a", 0));
        assembler.onChunk(chunk("s1", 2, "c", 0));
        assembler.onTrailer(trailer("s1", "", Map.of()));
        // announced length differs from what came
        assembler.onHeader(textHeader("s2", "t", Map.of(), 10));
        assembler.onChunk(chunk("s2", 0, "abc", 0));
        assembler.onTrailer(trailer("s2", "", Map.of()));
        // a chunk from another participant than the stream's sender
        assembler.onHeader(textHeader("s3", "t", Map.of(), -1));
        assembler.onChunk(packet("mallory", "PA_mallory").setStreamChunk(DataStream.Chunk.newBuilder().setStreamId("s3")
                .setChunkIndex(0).setContent(ByteString.copyFromUtf8("spoof"))).build());
        assembler.onTrailer(trailer("s3", "", Map.of()));

        assertThat(texts).singleElement().extracting(TextMessage::text).isEqualTo("");
        assertThat(counters.snapshot().malformedPackets()).isEqualTo(7);
    }

    @Test
    void aStreamOverTheByteLimitIsDropped() {
        assembler.onHeader(textHeader("announced", "t", Map.of(), 200_000));
        assembler.onHeader(textHeader("grows", "t", Map.of(), -1));
        for (int i = 0; i < 8; i++) {
            assembler.onChunk(chunk("grows", i, "x".repeat(15_000), 0));
        }
        assembler.onTrailer(trailer("grows", "", Map.of()));
        assembler.onTrailer(trailer("announced", "", Map.of()));

        assertThat(texts).isEmpty();
        assertThat(counters.snapshot().droppedStreams()).isEqualTo(2);
        assertThat(counters.snapshot().malformedPackets()).isZero();
    }

    @Test
    void byteStreamsAreAssembledWithNameAndMimeType() {
        assembler.onHeader(packet("alice", "PA_alice").setStreamHeader(DataStream.Header.newBuilder().setStreamId("b1")
                .setTopic("files").setTotalLength(4).setByteHeader(DataStream.ByteHeader.newBuilder().setName("a.bin"))).build());
        assembler.onChunk(packet("alice", "PA_alice").setStreamChunk(DataStream.Chunk.newBuilder().setStreamId("b1")
                .setChunkIndex(0).setContent(ByteString.copyFrom(new byte[] {1, 2, 3, 4}))).build());
        assembler.onTrailer(trailer("b1", "", Map.of()));

        assertThat(byteStreams).singleElement().satisfies(b -> {
            assertThat(b.content()).containsExactly(1, 2, 3, 4);
            assertThat(b.name()).isEqualTo("a.bin");
            assertThat(b.mimeType()).isEqualTo("application/octet-stream");
        });
    }

    @Test
    void idleStreamsAndStreamsCutByARejoinAreDropped() {
        assembler.onHeader(textHeader("old", "t", Map.of(), -1));
        clock.addAndGet(StreamAssembler.IDLE_NANOS + 1);
        assembler.onHeader(textHeader("new", "t", Map.of(), -1));
        assertThat(assembler.openStreams()).isEqualTo(1);
        assembler.reset("rejoin");
        assertThat(assembler.openStreams()).isZero();
        assertThat(counters.snapshot().droppedStreams()).isEqualTo(2);
    }

    private static DataPacket.Builder packet(String identity, String sid) {
        return DataPacket.newBuilder().setParticipantIdentity(identity).setParticipantSid(sid);
    }

    private static DataPacket textHeader(String id, String topic, Map<String, String> attributes, long totalLength) {
        DataStream.Header.Builder header = DataStream.Header.newBuilder().setStreamId(id).setTopic(topic)
                .setTimestamp(1).setMimeType("text/plain").putAllAttributes(attributes)
                .setTextHeader(DataStream.TextHeader.getDefaultInstance());
        if (totalLength >= 0) {
            header.setTotalLength(totalLength);
        }
        return packet("alice", "PA_alice").setStreamHeader(header).build();
    }

    /** A v2 header: inline_content (11) and compression (12) set as the protocol classes cannot yet. */
    private static DataPacket inlineTextHeader(String id, byte[] content, long compression, long totalLength) {
        com.google.protobuf.UnknownFieldSet unknown = com.google.protobuf.UnknownFieldSet.newBuilder()
                .addField(StreamAssembler.HEADER_INLINE_CONTENT, com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                        .addLengthDelimited(ByteString.copyFrom(content)).build())
                .addField(StreamAssembler.HEADER_COMPRESSION, com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                        .addVarint(compression).build())
                .build();
        DataStream.Header header = DataStream.Header.newBuilder().setStreamId(id).setTopic(Chat.TOPIC).setTimestamp(1)
                .setMimeType("text/plain").setTextHeader(DataStream.TextHeader.getDefaultInstance())
                .setTotalLength(totalLength).setUnknownFields(unknown).build();
        return packet("alice", "PA_alice").setStreamHeader(header).build();
    }

    private static DataPacket chunk(String id, long index, String text, int version) {
        return packet("alice", "PA_alice").setStreamChunk(DataStream.Chunk.newBuilder().setStreamId(id)
                .setChunkIndex(index).setVersion(version)
                .setContent(ByteString.copyFrom(text, StandardCharsets.UTF_8))).build();
    }

    private static DataPacket trailer(String id, String reason, Map<String, String> attributes) {
        return packet("alice", "PA_alice").setStreamTrailer(DataStream.Trailer.newBuilder().setStreamId(id)
                .setReason(reason).putAllAttributes(attributes)).build();
    }
}
