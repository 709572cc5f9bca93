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

    @Test
    void callerAudioCountsTheWindowApartFromTheWholeSession() {
        short[] tone = ToneSamples.oneSecond(440);
        MeasureWindow window = MeasureWindow.manual();
        CallerAudio heard = new CallerAudio(null, window);
        short[] silence = new short[ToneSamples.FRAME_SAMPLES];
        // Half a second of silence before the window (a caller not sending yet), a second of tone in it.
        for (int i = 0; i < 50; i++) {
            heard.count(AudioFrame.of(silence.clone(), 48_000, 1));
        }
        window.read("start 1000\n");
        for (int offset = 0; offset < tone.length; offset += ToneSamples.FRAME_SAMPLES) {
            heard.count(AudioFrame.of(Arrays.copyOfRange(tone, offset, offset + ToneSamples.FRAME_SAMPLES), 48_000, 1));
        }
        window.read("start 1000\nend 2000\n");
        heard.count(AudioFrame.of(silence.clone(), 48_000, 1));

        assertThat(window.phase()).isEqualTo(MeasureWindow.Phase.CLOSED);
        assertThat(window.endEpochMillis() - window.startEpochMillis()).isEqualTo(1000);
        assertThat(heard.window().frames()).isEqualTo(100);
        assertThat(heard.window().silentFrames()).isZero();
        assertThat(heard.window().pitchHz()).isCloseTo(440, within(2.0));
        // The whole session is diluted by its silent frames: the pitch and level of zero crossings
        // and RMS over every sample fall with the share of silence.
        assertThat(heard.whole().frames()).isEqualTo(151);
        assertThat(heard.whole().silentFrames()).isEqualTo(51);
        assertThat(heard.whole().pitchHz()).isCloseTo(440 * 100 / 151.0, within(3.0));
    }
}
