package io.openrtc.rtc;

import java.util.function.Consumer;

/**
 * Turns 16-bit PCM of any rate from 8 to 192 kHz and one or two channels into 10 ms frames of
 * 48 kHz mono, the format the pacer pushes. Stereo is averaged to mono; other rates go through
 * WebRTC's resampler ({@link PcmResampler}), whose state carries across calls so that chunk
 * boundaries are seamless. A change of input rate starts a new resampler.
 *
 * <p>Not thread-safe: one writer per track. {@link #close()} releases the native resampler.
 */
final class PcmConverter implements AutoCloseable {

    static final int OUTPUT_RATE = 48_000;
    static final int FRAME_SAMPLES = OUTPUT_RATE / 100;

    private short[] frame = new short[FRAME_SAMPLES];
    private int filled;
    private PcmResampler resampler;
    private short[] mono = new short[0];

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
        short[] input = samples;
        int inputOffset = offset;
        int frames = length / channels;
        if (channels == 2) {
            if (mono.length < frames) {
                mono = new short[frames];
            }
            for (int i = 0; i < frames; i++) {
                mono[i] = (short) ((samples[offset + 2 * i] + samples[offset + 2 * i + 1]) / 2);
            }
            input = mono;
            inputOffset = 0;
        }
        if (sampleRate == OUTPUT_RATE) {
            append(input, inputOffset, frames, sink);
            return;
        }
        if (resampler == null || resampler.inputRate() != sampleRate) {
            if (resampler != null) {
                resampler.close();
            }
            resampler = new PcmResampler(sampleRate, OUTPUT_RATE);
        }
        resampler.process(input, inputOffset, frames, (out, at, n) -> append(out, at, n, sink));
    }

    /**
     * Pushes what the resampler still holds, pads a partial frame with silence and hands it over;
     * returns whether there was anything.
     */
    boolean flush(Consumer<short[]> sink) {
        if (resampler != null) {
            resampler.flush((out, at, n) -> append(out, at, n, sink));
        }
        if (filled == 0) {
            return false;
        }
        while (filled < FRAME_SAMPLES) {
            frame[filled++] = 0;
        }
        emitFrame(sink);
        return true;
    }

    /** Forgets a partial frame and buffered input. */
    void reset() {
        filled = 0;
        if (resampler != null) {
            resampler.reset();
        }
    }

    /** Releases the native resampler. Idempotent; a later convert makes a new one. */
    @Override
    public void close() {
        if (resampler != null) {
            resampler.close();
            resampler = null;
        }
    }

    private void append(short[] samples, int offset, int length, Consumer<short[]> sink) {
        for (int i = 0; i < length; i++) {
            frame[filled++] = samples[offset + i];
            if (filled == FRAME_SAMPLES) {
                emitFrame(sink);
            }
        }
    }

    private void emitFrame(Consumer<short[]> sink) {
        short[] done = frame;
        frame = new short[FRAME_SAMPLES];
        filled = 0;
        sink.accept(done);
    }
}
