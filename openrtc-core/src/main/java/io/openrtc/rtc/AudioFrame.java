package io.openrtc.rtc;

import java.util.Objects;

/**
 * A block of 16-bit PCM audio, interleaved when it has more than one channel.
 *
 * <p>Frames read from a {@link RemoteAudioTrack} are 10 ms long: at 48 kHz mono that is 480
 * samples. The record does not copy {@code samples}; whoever builds a frame hands the array over
 * and must not change it afterwards. {@code equals} compares the array by identity.
 *
 * @param samples           signed 16-bit samples, {@code samplesPerChannel * channels} of them
 * @param sampleRate        samples per second per channel, for example 48000
 * @param channels          1 (mono) or 2 (stereo)
 * @param samplesPerChannel frames in the block (480 for 10 ms at 48 kHz)
 * @param timestampMillis   wall-clock time (epoch milliseconds) at which the frame was received
 *                          from the network, or created
 */
public record AudioFrame(short[] samples, int sampleRate, int channels, int samplesPerChannel, long timestampMillis) {

    public AudioFrame {
        Objects.requireNonNull(samples, "samples");
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sampleRate must be positive, was " + sampleRate);
        }
        if (channels != 1 && channels != 2) {
            throw new IllegalArgumentException("channels must be 1 or 2, was " + channels);
        }
        if (samplesPerChannel < 0 || (long) samplesPerChannel * channels != samples.length) {
            throw new IllegalArgumentException("samples holds " + samples.length + " values, but samplesPerChannel "
                    + samplesPerChannel + " x channels " + channels + " = " + (long) samplesPerChannel * channels);
        }
    }

    /** A frame of {@code samples} (mono, or interleaved stereo) stamped now. */
    public static AudioFrame of(short[] samples, int sampleRate, int channels) {
        return new AudioFrame(samples, sampleRate, channels, samples.length / channels, System.currentTimeMillis());
    }

    /** How long this frame plays, in microseconds. */
    public long durationMicros() {
        return samplesPerChannel * 1_000_000L / sampleRate;
    }
}
