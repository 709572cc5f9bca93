package io.openrtc.voice.vad;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.test.Tones;
import io.openrtc.voice.audio.PcmAudio;
import io.openrtc.voice.audio.Wav;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Silero VAD on real speech (a Piper clip) and on what must not count as speech. */
class SileroVadTest {

    private static final int RATE = SileroModel.SAMPLE_RATE;
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static SileroModel model;

    @BeforeAll
    static void load() {
        model = SileroModel.load();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void findsTheSpokenSentenceWithinAWindowOfItsTrueBoundaries() throws IOException {
        short[] speech = clip();
        int lead = RATE;                     // 1 s of silence before
        short[] audio = concat(new short[lead], speech, new short[RATE * 3 / 2]);
        int firstLoud = lead + firstAbove(speech, 300);
        int lastLoud = lead + lastAbove(speech, 300);

        List<VadEvent> events = run(audio, VadOptions.DEFAULTS);

        List<VadEvent.SpeechStarted> starts = of(events, VadEvent.SpeechStarted.class);
        List<VadEvent.SpeechEnded> ends = of(events, VadEvent.SpeechEnded.class);
        assertThat(starts).hasSize(1);
        assertThat(ends).hasSize(1);
        long startErrorMs = Duration.between(at(firstLoud), starts.getFirst().speechStart()).toMillis();
        long endErrorMs = Duration.between(at(lastLoud), ends.getFirst().utterance().speechEnd()).toMillis();
        System.out.printf("VAD on a Piper sentence: start %+d ms, end %+d ms from the first and last loud sample%n",
                startErrorMs, endErrorMs);
        assertThat(startErrorMs).isBetween(-100L, 100L);
        assertThat(endErrorMs).isBetween(-150L, 150L);

        var utterance = ends.getFirst().utterance();
        // The prefix padding: half a second of audio before the speech began.
        assertThat(Duration.between(utterance.audioStart(), utterance.speechStart()).toMillis()).isBetween(450L, 600L);
        assertThat(utterance.sampleRate()).isEqualTo(RATE);
        // The audio runs from the padding to the end of the silence that ended the speech.
        assertThat(utterance.duration().toMillis()).isBetween(
                Duration.between(utterance.audioStart(), utterance.speechEnd()).toMillis() + 500,
                Duration.between(utterance.audioStart(), utterance.speechEnd()).toMillis() + 700);
    }

    @Test
    void silenceWhiteNoiseAndAToneAreNotSpeech() {
        Random random = new Random(42);
        short[] noise = new short[RATE * 4];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (short) (random.nextGaussian() * 1500);
        }
        short[] tone = Tones.sine(440, RATE, 0, RATE * 4);
        for (short[] audio : List.of(new short[RATE * 4], noise, tone)) {
            List<VadEvent> events = run(audio, VadOptions.DEFAULTS);
            assertThat(of(events, VadEvent.SpeechStarted.class)).isEmpty();
            assertThat(of(events, VadEvent.Window.class)).hasSize(audio.length / SileroModel.WINDOW_SAMPLES);
        }
    }

    @Test
    void aLongerMinimumSilenceJoinsTwoSentencesIntoOneUtterance() throws IOException {
        short[] speech = clip();
        short[] twice = concat(new short[RATE / 2], speech, new short[RATE * 4 / 10], speech, new short[RATE * 2]);
        assertThat(of(run(twice, VadOptions.DEFAULTS.withMinSilence(Duration.ofMillis(200))), VadEvent.SpeechEnded.class))
                .hasSize(2);
        assertThat(of(run(twice, VadOptions.DEFAULTS.withMinSilence(Duration.ofMillis(900))), VadEvent.SpeechEnded.class))
                .hasSize(1);
    }

    @Test
    void aStreamsTensorsGiveTheProbabilitiesOfThePlainCall() {
        java.util.Random random = new java.util.Random(5);
        float[] input = new float[SileroModel.CONTEXT_SAMPLES + SileroModel.WINDOW_SAMPLES];
        float[] state = new float[SileroModel.STATE_SIZE];
        try (SileroModel.Stream stream = model.openStream()) {
            for (int window = 0; window < 40; window++) {
                for (int i = 0; i < input.length; i++) {
                    input[i] = (float) (Math.sin((window * 512 + i) / 9.0) * 0.3 + random.nextGaussian() * 0.05);
                }
                float plain = model.infer(input, state);
                assertThat(stream.infer(input)).isCloseTo(plain, org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
    }

    private static List<VadEvent> run(short[] audio, VadOptions options) {
        SileroVad vad = new SileroVad(model, options);
        List<VadEvent> events = new ArrayList<>();
        // 10 ms chunks, as the pipeline feeds it, each stamped with its last sample's time.
        for (int at = 0; at < audio.length; at += 160) {
            int n = Math.min(160, audio.length - at);
            vad.push(audio, at, n, at(at + n), events::add);
        }
        return events;
    }

    private static Instant at(int sample) {
        return T0.plusNanos(sample * 1_000_000_000L / RATE);
    }

    private static short[] clip() throws IOException {
        try (InputStream in = SileroVadTest.class.getResourceAsStream("table-16k.wav")) {
            PcmAudio audio = Wav.decode(in.readAllBytes());
            assertThat(audio.sampleRate()).isEqualTo(RATE);
            return audio.samples();
        }
    }

    private static int firstAbove(short[] samples, int level) {
        for (int i = 0; i < samples.length; i++) {
            if (Math.abs(samples[i]) > level) {
                return i;
            }
        }
        throw new AssertionError("no sample above " + level);
    }

    private static int lastAbove(short[] samples, int level) {
        for (int i = samples.length - 1; i >= 0; i--) {
            if (Math.abs(samples[i]) > level) {
                return i;
            }
        }
        throw new AssertionError("no sample above " + level);
    }

    private static short[] concat(short[]... parts) {
        int n = 0;
        for (short[] p : parts) {
            n += p.length;
        }
        short[] out = new short[n];
        int at = 0;
        for (short[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static <T> List<T> of(List<VadEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
