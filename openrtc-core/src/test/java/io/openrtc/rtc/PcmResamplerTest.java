package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.openrtc.test.Tones;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PcmResamplerTest {

    @ParameterizedTest(name = "{0} Hz -> {1} Hz")
    @CsvSource({"48000,16000", "16000,48000", "24000,48000", "22050,48000", "11025,48000", "44100,48000", "8000,16000",
            "22050,16000"})
    void keepsPitchLevelAndLengthInOddSizedChunks(int from, int to) {
        short[] out;
        try (PcmResampler resampler = new PcmResampler(from, to)) {
            assertThat(resampler.isNative()).isTrue();
            out = resampleInChunks(resampler, Tones.sine(440, from, 0, 2 * from), new int[] {from / 100 + 7, 1, from / 30, 333});
        }
        // Two seconds in, two seconds out, less what waits for a whole chunk (at most 40 ms).
        assertThat(out.length).isBetween(2 * to - to / 25, 2 * to);
        short[] steady = Arrays.copyOfRange(out, to / 10, to / 10 + 8192);
        assertThat(Tones.dominantFrequency(steady, to)).isCloseTo(440, offset(2.0));
        assertThat(Tones.rms(steady)).isCloseTo(8000 / Math.sqrt(2), offset(150.0));
    }

    @Test
    void aRateWhose10MsIsNoWholeNumberOfSamplesKeepsItsExactLength() {
        // webrtc-java's resampler alone would take 22,050 Hz for 22,000 Hz and play it 0.23% slow.
        try (PcmResampler resampler = new PcmResampler(22_050, 48_000)) {
            short[] out = resampleInChunks(resampler, new short[22_050 * 10], new int[] {441});
            assertThat(out.length).isEqualTo(48_000 * 10);
        }
    }

    @Test
    void ratesNoChunkFitsFallBackToLinearInterpolation() {
        try (PcmResampler resampler = new PcmResampler(8_001, 48_000)) {
            assertThat(resampler.isNative()).isFalse();
            short[] out = resampleInChunks(resampler, Tones.sine(440, 8_001, 0, 8_001), new int[] {160});
            assertThat(Tones.dominantFrequency(Arrays.copyOfRange(out, 4800, 4800 + 8192), 48_000)).isCloseTo(440, offset(3.0));
        }
    }

    @Test
    void flushReleasesTheTail() {
        try (PcmResampler resampler = new PcmResampler(24_000, 48_000)) {
            short[] out = resampleInChunks(resampler, new short[100], new int[] {100});
            assertThat(out).isEmpty();
            int[] flushed = {0};
            resampler.flush((samples, offset, length) -> flushed[0] += length);
            assertThat(flushed[0]).isEqualTo(2 * 480);
        }
    }

    @Test
    void refusesRatesOutOfRangeAndUseAfterClose() {
        assertThatThrownBy(() -> new PcmResampler(4_000, 48_000)).hasMessageContaining("inputRate");
        assertThatThrownBy(() -> new PcmResampler(48_000, 400_000)).hasMessageContaining("outputRate");
        PcmResampler resampler = new PcmResampler(48_000, 16_000);
        resampler.close();
        resampler.close();
        assertThatThrownBy(() -> resampler.process(new short[480], 0, 480, (s, o, l) -> { })).hasMessageContaining("closed");
    }

    static short[] resampleInChunks(PcmResampler resampler, short[] input, int[] chunks) {
        short[][] out = {new short[input.length * 8]};
        int[] n = {0};
        int at = 0;
        for (int i = 0; at < input.length; i++) {
            int take = Math.min(chunks[i % chunks.length], input.length - at);
            resampler.process(input, at, take, (samples, offset, length) -> {
                System.arraycopy(samples, offset, out[0], n[0], length);
                n[0] += length;
            });
            at += take;
        }
        return Arrays.copyOf(out[0], n[0]);
    }
}
