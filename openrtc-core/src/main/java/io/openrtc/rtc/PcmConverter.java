package io.openrtc.rtc;

import java.util.function.Consumer;

/**
 * Turns 16-bit PCM of any common rate and one or two channels into 10 ms frames of 48 kHz mono,
 * the format the pacer pushes. Stereo is averaged to mono; other rates are resampled by linear
 * interpolation, carrying position and the last sample across calls so that chunk boundaries are
 * seamless. Linear interpolation is plain but adequate for speech from 8 to 48 kHz; callers who
 * care about high-frequency fidelity should hand over 48 kHz.
 *
 * <p>Not thread-safe: one writer per track.
 */
final class PcmConverter {

    static final int OUTPUT_RATE = 48_000;
    static final int FRAME_SAMPLES = OUTPUT_RATE / 100;

    private short[] frame = new short[FRAME_SAMPLES];
    private int filled;
    private int inputRate;
    private double position;
    private short previous;

    /**
     * Converts {@code samples} and hands every completed 10 ms frame to {@code sink}; a trailing
     * partial frame waits for the next call (or {@link #flush}).
     */
    void convert(short[] samples, int offset, int length, int sampleRate, int channels, Consumer<short[]> sink) {
        if (sampleRate < 8_000 || sampleRate > 192_000) {
            throw new IllegalArgumentException("sampleRate must be between 8000 and 192000 Hz, was " + sampleRate);
        }
        if (channels != 1 && channels != 2) {
            throw new IllegalArgumentException("channels must be 1 or 2, was " + channels);
        }
        if (length % channels != 0) {
            throw new IllegalArgumentException("an interleaved stereo buffer needs an even length, was " + length);
        }
        if (sampleRate != inputRate) {
            inputRate = sampleRate;
            position = 0;
        }
        int frames = length / channels;
        if (sampleRate == OUTPUT_RATE) {
            for (int i = 0; i < frames; i++) {
                emit(sampleAt(samples, offset, channels, i), sink);
            }
            if (frames > 0) {
                previous = sampleAt(samples, offset, channels, frames - 1);
            }
            return;
        }
        // Position p is in input samples relative to this chunk; index -1 is the previous chunk's last sample.
        double step = (double) sampleRate / OUTPUT_RATE;
        double p = position;
        while (p < frames - 1) {
            int i = (int) Math.floor(p);
            double fraction = p - i;
            short a = i < 0 ? previous : sampleAt(samples, offset, channels, i);
            short b = sampleAt(samples, offset, channels, i + 1);
            emit((short) Math.round(a + fraction * (b - a)), sink);
            p += step;
        }
        if (frames > 0) {
            previous = sampleAt(samples, offset, channels, frames - 1);
            position = p - frames;
        }
    }

    /** Pads a partial frame with silence and hands it over; returns whether there was one. */
    boolean flush(Consumer<short[]> sink) {
        if (filled == 0) {
            return false;
        }
        while (filled < FRAME_SAMPLES) {
            frame[filled++] = 0;
        }
        emitFrame(sink);
        return true;
    }

    /** Forgets a partial frame. */
    void reset() {
        filled = 0;
    }

    private static short sampleAt(short[] samples, int offset, int channels, int frameIndex) {
        if (channels == 1) {
            return samples[offset + frameIndex];
        }
        int base = offset + 2 * frameIndex;
        return (short) ((samples[base] + samples[base + 1]) / 2);
    }

    private void emit(short sample, Consumer<short[]> sink) {
        frame[filled++] = sample;
        if (filled == FRAME_SAMPLES) {
            emitFrame(sink);
        }
    }

    private void emitFrame(Consumer<short[]> sink) {
        short[] done = frame;
        frame = new short[FRAME_SAMPLES];
        filled = 0;
        sink.accept(done);
    }
}
