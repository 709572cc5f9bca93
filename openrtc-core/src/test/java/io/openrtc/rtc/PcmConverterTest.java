package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.openrtc.test.Tones;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PcmConverterTest {

    @ParameterizedTest
    @ValueSource(ints = {8_000, 11_025, 16_000, 22_050, 24_000, 44_100, 48_000})
    void keepsTheFrequencyOfAToneAtAnyCommonRateInOddSizedChunks(int rate) {
        PcmConverter converter = new PcmConverter();
        List<short[]> frames = new ArrayList<>();
        long position = 0;
        int[] chunks = {rate / 100 + 7, rate / 50 - 3, 1, rate / 30};
        for (int i = 0; position < rate; i++) {
            int n = chunks[i % chunks.length];
            converter.convert(Tones.sine(660, rate, position, n), 0, n, rate, 1, frames::add);
            position += n;
        }
        assertThat(frames).allSatisfy(f -> assertThat(f).hasSize(480));
        assertThat(frames.size()).isBetween(98, 104); // one second (and part of a chunk) of 10 ms frames at 48 kHz
        short[] block = join(frames, 8192);
        assertThat(Tones.dominantFrequency(block, 48_000)).isCloseTo(660, offset(3.0));
        assertThat(Tones.rms(block)).isCloseTo(8000 / Math.sqrt(2), offset(300.0));
    }

    @Test
    void averagesStereoToMono() {
        PcmConverter converter = new PcmConverter();
        short[] stereo = new short[960];
        for (int i = 0; i < 480; i++) {
            stereo[2 * i] = 1000;
            stereo[2 * i + 1] = 3000;
        }
        List<short[]> frames = new ArrayList<>();
        converter.convert(stereo, 0, stereo.length, 48_000, 2, frames::add);
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0)).containsOnly((short) 2000);
    }

    @Test
    void flushPadsAPartialFrameWithSilence() {
        PcmConverter converter = new PcmConverter();
        List<short[]> frames = new ArrayList<>();
        short[] some = new short[100];
        java.util.Arrays.fill(some, (short) 5);
        converter.convert(some, 0, some.length, 48_000, 1, frames::add);
        assertThat(frames).isEmpty();
        assertThat(converter.flush(frames::add)).isTrue();
        assertThat(frames.get(0)).hasSize(480);
        assertThat(frames.get(0)[99]).isEqualTo((short) 5);
        assertThat(frames.get(0)[100]).isZero();
        assertThat(converter.flush(frames::add)).isFalse();
    }

    @Test
    void refusesUnsupportedInputNamingTheParameter() {
        PcmConverter converter = new PcmConverter();
        assertThatThrownBy(() -> converter.convert(new short[4], 0, 4, 4_000, 1, f -> { }))
                .hasMessageContaining("sampleRate");
        assertThatThrownBy(() -> converter.convert(new short[4], 0, 4, 48_000, 3, f -> { }))
                .hasMessageContaining("channels");
        assertThatThrownBy(() -> converter.convert(new short[3], 0, 3, 48_000, 2, f -> { }))
                .hasMessageContaining("even length");
    }

    private static short[] join(List<short[]> frames, int size) {
        short[] out = new short[size];
        int at = 0;
        for (short[] frame : frames.subList(2, frames.size())) {
            for (short s : frame) {
                if (at == size) {
                    return out;
                }
                out[at++] = s;
            }
        }
        return out;
    }
}
