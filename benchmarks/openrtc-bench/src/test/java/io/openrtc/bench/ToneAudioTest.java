package io.openrtc.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.openrtc.rtc.AudioFrame;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The agent's tone, and the figures CallerAudio derives from what it hears. */
class ToneAudioTest {

    @Test
    void oneSecondLoopsSeamlessly() {
        short[] tone = ToneSamples.oneSecond(660);

        assertThat(tone).hasSize(48_000);
        assertThat(tone[0]).isZero();
        // The sample after the last is the first again: a whole number of periods.
        double next = ToneSamples.AMPLITUDE * Math.sin(2 * Math.PI * 660 * 48_000 / 48_000.0);
        assertThat(Math.round(next)).isEqualTo(tone[0]);
        short peak = 0;
        for (short s : tone) {
            peak = (short) Math.max(peak, s);
        }
        assertThat(peak).isEqualTo((short) ToneSamples.AMPLITUDE);
    }

    @Test
    void callerAudioMeasuresPitchLevelAndFrames() {
        short[] tone = ToneSamples.oneSecond(440);
        CallerAudio heard = new CallerAudio(null);
        for (int offset = 0; offset < tone.length; offset += ToneSamples.FRAME_SAMPLES) {
            short[] frame = Arrays.copyOfRange(tone, offset, offset + ToneSamples.FRAME_SAMPLES);
            heard.count(AudioFrame.of(frame, 48_000, 1));
        }

        assertThat(heard.frames()).isEqualTo(100);
        assertThat(heard.pitchHz()).isCloseTo(440, within(2.0));
        assertThat(heard.rms()).isCloseTo(ToneSamples.AMPLITUDE / Math.sqrt(2), within(5.0));
    }
}
