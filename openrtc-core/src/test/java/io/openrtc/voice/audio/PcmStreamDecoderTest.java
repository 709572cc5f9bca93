package io.openrtc.voice.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PcmStreamDecoderTest {

    private static final short[] SAMPLES = {0, 1, -1, 300, -300, Short.MAX_VALUE, Short.MIN_VALUE, 1234, -4321, 7};

    @Test
    void decodesAWavFileFedOneByteAtATime() {
        PcmStreamDecoder decoder = PcmStreamDecoder.wav();
        short[] decoded = feedInPieces(decoder, Wav.encode(SAMPLES, 22_050, 1), 1);
        assertThat(decoded).containsExactly(SAMPLES);
        assertThat(decoder.sampleRate()).isEqualTo(22_050);
        assertThat(decoder.channels()).isEqualTo(1);
    }

    @Test
    void readsAStreamingHeaderThatAnnouncesNoLengthToTheEnd() {
        byte[] wav = Wav.encode(SAMPLES, 24_000, 1);
        ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0xFFFFFFFF).putInt(40, 0xFFFFFFFF);
        assertThat(feedInPieces(PcmStreamDecoder.wav(), wav, 3)).containsExactly(SAMPLES);
    }

    @Test
    void stopsAtTheAnnouncedEndOfTheDataChunk() {
        byte[] wav = Wav.encode(SAMPLES, 16_000, 1);
        byte[] withList = Arrays.copyOf(wav, wav.length + 12);
        System.arraycopy("LIST".getBytes(), 0, withList, wav.length, 4);
        withList[wav.length + 4] = 4;
        assertThat(feedInPieces(PcmStreamDecoder.wav(), withList, 5)).containsExactly(SAMPLES);
    }

    @Test
    void skipsChunksBeforeTheData() {
        byte[] wav = Wav.encode(SAMPLES, 16_000, 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(wav, 0, 36);
        out.writeBytes(new byte[] {'L', 'I', 'S', 'T', 3, 0, 0, 0, 'a', 'b', 'c', 0}); // odd size, padded
        out.write(wav, 36, wav.length - 36);
        assertThat(feedInPieces(PcmStreamDecoder.wav(), out.toByteArray(), 7)).containsExactly(SAMPLES);
    }

    @Test
    void detectsRawPcmAndKeepsStereoFramesWhole() {
        short[] stereo = {1, 2, 3, 4, 5, 6, 7, 8};
        ByteBuffer raw = ByteBuffer.allocate(stereo.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : stereo) {
            raw.putShort(s);
        }
        PcmStreamDecoder decoder = PcmStreamDecoder.detect(24_000, 2);
        List<Integer> lengths = new ArrayList<>();
        short[] decoded = feedInPieces(decoder, raw.array(), 3, lengths);
        assertThat(decoded).containsExactly(stereo);
        assertThat(lengths).allSatisfy(n -> assertThat(n % 2).isZero());
        assertThat(decoder.sampleRate()).isEqualTo(24_000);
    }

    @Test
    void refusesCompressedOrEightBitWavNamingTheFormat() {
        byte[] wav = Wav.encode(SAMPLES, 16_000, 1);
        wav[20] = 3; // IEEE float
        assertThatThrownBy(() -> feedInPieces(PcmStreamDecoder.wav(), wav, 64)).hasMessageContaining("format 3")
                .hasMessageContaining("16-bit PCM");
        assertThatThrownBy(() -> Wav.decode("RIFFxxxxWAVE".getBytes())).hasMessageContaining("not a WAV file");
    }

    private static short[] feedInPieces(PcmStreamDecoder decoder, byte[] bytes, int piece) {
        return feedInPieces(decoder, bytes, piece, new ArrayList<>());
    }

    private static short[] feedInPieces(PcmStreamDecoder decoder, byte[] bytes, int piece, List<Integer> lengths) {
        List<Short> out = new ArrayList<>();
        for (int at = 0; at < bytes.length; at += piece) {
            decoder.feed(bytes, at, Math.min(piece, bytes.length - at), (samples, offset, length) -> {
                lengths.add(length);
                for (int i = offset; i < offset + length; i++) {
                    out.add(samples[i]);
                }
            });
        }
        short[] result = new short[out.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = out.get(i);
        }
        return result;
    }
}
