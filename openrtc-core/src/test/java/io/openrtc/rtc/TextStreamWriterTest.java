package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import livekit.LivekitModels.DataPacket;
import org.junit.jupiter.api.Test;

class TextStreamWriterTest {

    private final RecordingPacketSender sender = new RecordingPacketSender();

    @Test
    void sendsAHeaderThenNumberedChunksSplitOnCodePointsThenATrailer() throws Exception {
        TextStreamWriter writer = TextStreamWriter.open(sender, Transcription.TOPIC,
                StreamOptions.defaults().withAttribute(Transcription.FINAL, "false").to("user"),
                Map.of(Transcription.FINAL, "true"));
        String delta = "€".repeat(6_000); // 18 000 bytes: two chunks, the cut on a code point
        writer.write(delta);
        writer.write("");
        writer.write(" done");
        writer.close(Map.of("extra", "1"));
        writer.close(); // idempotent

        DataPacket header = sender.next().packet();
        assertThat(header.getStreamHeader().getStreamId()).isEqualTo(writer.streamId());
        assertThat(header.getStreamHeader().getTopic()).isEqualTo(Transcription.TOPIC);
        assertThat(header.getStreamHeader().getMimeType()).isEqualTo("text/plain");
        assertThat(header.getStreamHeader().hasTotalLength()).as("unknown for an incremental stream").isFalse();
        assertThat(header.getStreamHeader().getAttributesMap()).containsEntry(Transcription.FINAL, "false");
        assertThat(header.getDestinationIdentitiesList()).containsExactly("user");

        List<DataPacket> chunks = List.of(sender.next().packet(), sender.next().packet(), sender.next().packet());
        assertThat(chunks).extracting(p -> p.getStreamChunk().getChunkIndex()).containsExactly(0L, 1L, 2L);
        assertThat(chunks.get(0).getStreamChunk().getContent().size()).isEqualTo(15_000);
        StringBuilder text = new StringBuilder();
        for (DataPacket chunk : chunks) {
            assertThat(chunk.getStreamChunk().getContent().size()).isLessThanOrEqualTo(StreamPackets.CHUNK_BYTES);
            assertThat(chunk.getDestinationIdentitiesList()).containsExactly("user");
            text.append(chunk.getStreamChunk().getContent().toString(StandardCharsets.UTF_8));
        }
        assertThat(text.toString()).isEqualTo(delta + " done");

        DataPacket trailer = sender.next().packet();
        assertThat(trailer.getStreamTrailer().getReason()).isEmpty();
        assertThat(trailer.getStreamTrailer().getAttributesMap())
                .containsOnly(Map.entry(Transcription.FINAL, "true"), Map.entry("extra", "1"));
        assertThat(sender.size()).isZero();
        assertThat(writer.bytesWritten()).isEqualTo(18_005);
        assertThatThrownBy(() -> writer.write("more")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRejoinCutsTheStream() throws Exception {
        TextStreamWriter writer = TextStreamWriter.open(sender, "t", StreamOptions.defaults(), Map.of());
        writer.write("before");
        sender.newEpoch();
        assertThatThrownBy(() -> writer.write("after")).isInstanceOf(PacketSender.StreamCutException.class)
                .hasMessageContaining("open a new one");
        writer.close();
        assertThat(sender.next().packet().hasStreamHeader()).isTrue();
        assertThat(sender.next().packet().hasStreamChunk()).isTrue();
        assertThat(sender.size()).as("no trailer to a connection that never saw the header").isZero();
    }

    @Test
    void aHeaderOverLiveKitsLimitIsRefusedNamingIt() {
        StreamOptions options = StreamOptions.defaults().withAttribute("notes", "x".repeat(StreamPackets.CHUNK_BYTES));
        assertThatThrownBy(() -> TextStreamWriter.open(sender, "t", options, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("15000 bytes");
        assertThat(sender.size()).isZero();
    }

    @Test
    void abortSendsAReason() throws Exception {
        TextStreamWriter writer = TextStreamWriter.open(sender, "t", StreamOptions.defaults(), Map.of());
        writer.abort("");
        sender.next();
        assertThat(sender.next().packet().getStreamTrailer().getReason()).isEqualTo("aborted");
    }
}
