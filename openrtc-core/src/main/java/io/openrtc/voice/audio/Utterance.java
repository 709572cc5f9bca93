package io.openrtc.voice.audio;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One stretch of a participant's speech as voice activity detection bounded it: mono 16-bit PCM
 * that starts {@code prefix padding} before the speech and runs to the moment the silence after
 * it was long enough to end it.
 *
 * @param samples       mono 16-bit PCM; the record does not copy it
 * @param sampleRate    samples per second (16 kHz from the VAD)
 * @param audioStart    wall-clock time of the first sample
 * @param speechStart   when the speech itself began (the first window the VAD took for speech)
 * @param speechEnd     when it ended (the end of the last window taken for speech)
 */
public record Utterance(short[] samples, int sampleRate, Instant audioStart, Instant speechStart, Instant speechEnd) {

    public Utterance {
        Objects.requireNonNull(samples, "samples");
        Objects.requireNonNull(audioStart, "audioStart");
        Objects.requireNonNull(speechStart, "speechStart");
        Objects.requireNonNull(speechEnd, "speechEnd");
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sampleRate must be positive, was " + sampleRate);
        }
    }

    /** How long the audio plays. */
    public Duration duration() {
        return Duration.ofNanos(samples.length * 1_000_000_000L / sampleRate);
    }

    /** How long the speech lasted, from its start to its end. */
    public Duration speechDuration() {
        return Duration.between(speechStart, speechEnd);
    }

    /** The audio as a 16-bit mono WAV file, the form transcription APIs take. */
    public byte[] toWav() {
        return Wav.encode(samples, sampleRate, 1);
    }

    @Override
    public String toString() {
        return "Utterance[" + duration().toMillis() + " ms at " + sampleRate + " Hz, speech " + speechStart + " - " + speechEnd + "]";
    }
}
