package io.openrtc.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openrtc.voice.audio.PcmAudio;
import io.openrtc.voice.audio.Wav;
import io.openrtc.voice.vad.SileroModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The VAD benchmark's driver at a tiny size. Nothing here is about time: only that the sessions run. */
class VadDensityTest {

    @TempDir
    Path dir;

    @Test
    void theInputIsTheClipAndItsPauseAtFortyEightKilohertzInWholeFrames() throws Exception {
        Path clip = dir.resolve("clip-16k.wav");
        Files.write(clip, Wav.encode(speechLike(16_000, 16_000 + 37), 16_000, 1)); // 1 s and a bit
        Path input = dir.resolve("input-48k.wav");

        int frames = VadDensity.makeInput(clip, 500, input);

        PcmAudio made = Wav.decode(Files.readAllBytes(input));
        assertThat(made.sampleRate()).isEqualTo(48_000);
        assertThat(made.channels()).isEqualTo(1);
        assertThat(made.samples()).hasSize(frames * VadDensity.FRAME_SAMPLES);
        assertThat(frames).isEqualTo((16_000 + 37 + 8_000) * 3 / VadDensity.FRAME_SAMPLES);
        assertThat(VadDensity.readInput(input)).hasSize(frames * VadDensity.FRAME_SAMPLES);
        assertThatThrownBy(() -> VadDensity.readInput(clip)).hasMessageContaining("16000 Hz");
    }

    @Test
    void everySessionClassifiesWindowsWithAndWithoutNoiseSuppression() throws Exception {
        short[] audio = speechLike(48_000, 48_000);
        try (SileroModel model = SileroModel.load()) {
            for (boolean noiseSuppression : new boolean[] {false, true}) {
                VadDensity.Run run = new VadDensity.Run(new VadDensity.Settings(dir, 3, noiseSuppression), model, audio);
                run.start();
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (run.windows.sum() < 3 * 4 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                run.stop();
                Map<String, Object> result = run.mark("result");

                assertThat((long) result.get("windows")).as("windows, noise suppression %s", noiseSuppression)
                        .isGreaterThanOrEqualTo(12);
                assertThat((long) result.get("frames")).isGreaterThanOrEqualTo(3 * 12);
                assertThat(result).containsEntry("failedSessions", 0L).containsEntry("firstError", null);
                assertThat((long) result.get("noiseSuppressionNanos") > 0).isEqualTo(noiseSuppression);
            }
        }
    }

    @Test
    void optionsAreCheckedByName() {
        assertThatThrownBy(() -> VadDensity.Settings.parse(new String[] {"--sessions", "2"})).hasMessageContaining("--audio");
        assertThatThrownBy(() -> VadDensity.Settings.parse(new String[] {"--audio", "a.wav", "--sessions", "0"}))
                .hasMessageContaining("--sessions");
        assertThatThrownBy(() -> VadDensity.Settings.parse(new String[] {"--audio", "a.wav", "--noise-suppression", "yes"}))
                .hasMessageContaining("--noise-suppression");
        assertThatThrownBy(() -> VadDensity.Settings.parse(new String[] {"--audio", "a.wav", "--color", "blue"}))
                .hasMessageContaining("color");
        assertThat(VadDensity.Settings.parse(new String[] {"--audio", "a.wav", "--sessions", "1_000", "--noise-suppression", "true"}))
                .isEqualTo(new VadDensity.Settings(Path.of("a.wav"), 1_000, true));
    }

    /** A voiced-sounding signal: a 150 Hz buzz with harmonics, switching on and off every 300 ms. */
    private static short[] speechLike(int rate, int length) {
        short[] samples = new short[length];
        for (int i = 0; i < length; i++) {
            double t = (double) i / rate;
            double on = ((int) (t / 0.3)) % 2 == 0 ? 1 : 0;
            double v = 0;
            for (int h = 1; h <= 8; h++) {
                v += Math.sin(2 * Math.PI * 150 * h * t) / h;
            }
            samples[i] = (short) (on * 6000 * v / 2);
        }
        return samples;
    }
}
