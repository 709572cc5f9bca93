package io.openrtc.voice.audio;

import java.time.Duration;
import java.util.Objects;

/**
 * A block of 16-bit PCM audio with its format.
 *
 * @param samples    signed 16-bit samples, interleaved when {@code channels} is 2; not copied
 * @param sampleRate samples per second per channel
 * @param channels   1 or 2
 */
public record PcmAudio(short[] samples, int sampleRate, int channels) {

    public PcmAudio {
        Objects.requireNonNull(samples, "samples");
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sampleRate must be positive, was " + sampleRate);
        }
        if (channels != 1 && channels != 2) {
            throw new IllegalArgumentException("channels must be 1 or 2, was " + channels);
        }
    }

    /** How long it plays. */
    public Duration duration() {
        return Duration.ofNanos(samples.length / channels * 1_000_000_000L / sampleRate);
    }

    /** The same audio as mono (stereo averaged). */
    public PcmAudio mono() {
        if (channels == 1) {
            return this;
        }
        short[] mono = new short[samples.length / 2];
        for (int i = 0; i < mono.length; i++) {
            mono[i] = (short) ((samples[2 * i] + samples[2 * i + 1]) / 2);
        }
        return new PcmAudio(mono, sampleRate, 1);
    }
}
