package io.openrtc.rtc;

import dev.onvoid.webrtc.internal.NativeLoader;
import dev.onvoid.webrtc.media.audio.AudioResampler;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Converts mono 16-bit PCM from one sample rate to another with WebRTC's own resampler
 * ({@code webrtc::PushResampler}, a windowed-sinc filter), the one libwebrtc uses for its audio
 * device and mixer paths. Input may come in chunks of any length: samples wait in an internal
 * buffer until a whole chunk is there, and filter state carries across chunks, so boundaries are
 * seamless.
 *
 * <p>Three properties of webrtc-java 0.14.0's binding shape this class (measured, see
 * {@code docs/voice.md}):
 * <ul>
 *   <li>the native resampler works on exactly 10 ms per call, and its output buffer must be
 *       exactly 10 ms at the output rate: a larger one is silently taken as a different rate;</li>
 *   <li>a rate whose 10 ms is not a whole number of samples (22,050 Hz, Piper's voice rate, and
 *       11,025 Hz) is truncated to the next lower whole rate (22,000 Hz), which plays 0.23% slow and
 *       flat. Such rates are resampled in 20 or 40 ms chunks presented as 2x or 4x both rates:
 *       the ratio, and so the filter, is the same;</li>
 *   <li>{@code AudioResampler} does not load the native library itself (the other classes do), so
 *       this class loads it.</li>
 * </ul>
 * Rates that no 10, 20 or 40 ms chunk fits (not a multiple of 25 Hz) fall back to linear
 * interpolation, which is adequate for speech.
 *
 * <p>Not thread-safe: one instance per stream. Holds a native object: {@link #close()} it (a
 * cleaner releases it if forgotten).
 */
public final class PcmResampler implements AutoCloseable {

    /** Receives resampled audio; the array is reused, so copy what you keep. */
    @FunctionalInterface
    public interface Output {
        void accept(short[] samples, int offset, int length);
    }

    private static final Cleaner CLEANER = Cleaner.create();
    private static final java.util.concurrent.atomic.AtomicLong LIVE = new java.util.concurrent.atomic.AtomicLong();
    private static final int[] CHUNK_MULTIPLES = {1, 2, 4};

    private final int inputRate;
    private final int outputRate;
    private final Native nativePart;
    private final Cleaner.Cleanable cleanable;
    private final LinearResampler linear;
    private final short[] pending;
    private final short[] produced;
    private int pendingCount;

    /**
     * @param inputRate  samples per second of the input, 8000 to 192000
     * @param outputRate samples per second of the output, 8000 to 192000
     */
    public PcmResampler(int inputRate, int outputRate) {
        requireRate("inputRate", inputRate);
        requireRate("outputRate", outputRate);
        this.inputRate = inputRate;
        this.outputRate = outputRate;
        int multiple = chunkMultiple(inputRate, outputRate);
        if (inputRate == outputRate || multiple == 0) {
            this.nativePart = null;
            this.cleanable = null;
            this.linear = inputRate == outputRate ? null : new LinearResampler(inputRate, outputRate);
            this.pending = new short[0];
            this.produced = new short[Math.max(1, outputRate / 100)];
        } else {
            int inChunk = inputRate * multiple / 100;
            int outChunk = outputRate * multiple / 100;
            this.nativePart = new Native(inputRate * multiple, outputRate * multiple, inChunk, outChunk);
            this.cleanable = CLEANER.register(this, nativePart);
            this.linear = null;
            this.pending = new short[inChunk];
            this.produced = new short[outChunk];
        }
    }

    /** The input rate. */
    public int inputRate() {
        return inputRate;
    }

    /** The output rate. */
    public int outputRate() {
        return outputRate;
    }

    /** Whether WebRTC's resampler does the work (false: equal rates, or the linear fallback). */
    public boolean isNative() {
        return nativePart != null;
    }

    /**
     * Resamples {@code length} samples from {@code offset}, handing every completed piece of
     * output to {@code out}. Input short of a whole chunk waits for the next call.
     */
    public void process(short[] samples, int offset, int length, Output out) {
        java.util.Objects.checkFromIndexSize(offset, length, samples.length);
        if (nativePart == null) {
            if (linear == null) {
                out.accept(samples, offset, length);
            } else {
                linear.process(samples, offset, length, out);
            }
            return;
        }
        nativePart.requireOpen();
        int at = offset;
        int end = offset + length;
        while (at < end) {
            int take = Math.min(end - at, pending.length - pendingCount);
            System.arraycopy(samples, at, pending, pendingCount, take);
            pendingCount += take;
            at += take;
            if (pendingCount == pending.length) {
                nativePart.resample(pending, produced);
                pendingCount = 0;
                out.accept(produced, 0, produced.length);
            }
        }
    }

    /**
     * Pushes the samples still waiting, padded with silence to a whole chunk, and one more chunk
     * of silence so the filter's own delay (a few milliseconds) comes out too. Use at the end of
     * a clip; the stream can go on afterwards.
     */
    public void flush(Output out) {
        if (nativePart == null) {
            return;
        }
        nativePart.requireOpen();
        for (int round = 0; round < 2; round++) {
            java.util.Arrays.fill(pending, pendingCount, pending.length, (short) 0);
            nativePart.resample(pending, produced);
            pendingCount = 0;
            out.accept(produced, 0, produced.length);
        }
    }

    /** Forgets buffered input (not the filter's state). */
    public void reset() {
        pendingCount = 0;
    }

    /** How many native resamplers are alive in this JVM (for leak checks: sessions that ended release theirs). */
    public static long liveNativeResamplers() {
        return LIVE.get();
    }

    /** Releases the native resampler. Idempotent. */
    @Override
    public void close() {
        if (cleanable != null) {
            cleanable.clean();
        }
    }

    /** The smallest multiple of 10 ms that is a whole number of samples at both rates, or 0. */
    static int chunkMultiple(int inputRate, int outputRate) {
        for (int multiple : CHUNK_MULTIPLES) {
            if ((long) inputRate * multiple % 100 == 0 && (long) outputRate * multiple % 100 == 0) {
                return multiple;
            }
        }
        return 0;
    }

    private static void requireRate(String name, int rate) {
        if (rate < 8_000 || rate > 192_000) {
            throw new IllegalArgumentException(name + " must be between 8000 and 192000 Hz, was " + rate);
        }
    }

    /** The native resampler and its byte buffers; also the cleaner's action. */
    private static final class Native implements Runnable {

        private static final AtomicBoolean LOADED = new AtomicBoolean();

        private final AudioResampler resampler;
        private final byte[] in;
        private final byte[] out;
        private final int inChunk;
        private final int outChunk;
        private volatile boolean disposed;

        Native(int labelledInputRate, int labelledOutputRate, int inChunk, int outChunk) {
            loadLibrary();
            this.resampler = new AudioResampler(labelledInputRate, labelledOutputRate, 1);
            LIVE.incrementAndGet();
            this.in = new byte[inChunk * 2];
            this.out = new byte[outChunk * 2];
            this.inChunk = inChunk;
            this.outChunk = outChunk;
        }

        void resample(short[] input, short[] output) {
            for (int i = 0; i < inChunk; i++) {
                in[2 * i] = (byte) input[i];
                in[2 * i + 1] = (byte) (input[i] >> 8);
            }
            resampler.resample(in, inChunk, out, outChunk, 1);
            for (int i = 0; i < outChunk; i++) {
                output[i] = (short) ((out[2 * i] & 0xff) | (out[2 * i + 1] << 8));
            }
        }

        void requireOpen() {
            if (disposed) {
                throw new IllegalStateException("this PcmResampler is closed");
            }
        }

        @Override
        public void run() {
            if (!disposed) {
                disposed = true;
                resampler.dispose();
                LIVE.decrementAndGet();
            }
        }

        private static void loadLibrary() {
            if (LOADED.get()) {
                return;
            }
            try {
                NativeLoader.loadLibrary("webrtc-java");
                LOADED.set(true);
            } catch (Exception e) {
                throw new IllegalStateException("Could not load webrtc-java's native library (on Linux it needs libpulse0)", e);
            }
        }
    }

    /**
     * Linear interpolation for rates WebRTC's resampler cannot take, carrying the position and
     * the last sample across calls.
     */
    private static final class LinearResampler {

        private final double step;
        private final short[] buffer;
        private double position;
        private short previous;
        private int filled;

        LinearResampler(int inputRate, int outputRate) {
            this.step = (double) inputRate / outputRate;
            this.buffer = new short[Math.max(1, outputRate / 100)];
        }

        void process(short[] samples, int offset, int length, Output out) {
            // Position p is in input samples relative to this chunk; index -1 is the previous chunk's last sample.
            double p = position;
            while (p < length - 1) {
                int i = (int) Math.floor(p);
                double fraction = p - i;
                short a = i < 0 ? previous : samples[offset + i];
                short b = samples[offset + i + 1];
                buffer[filled++] = (short) Math.round(a + fraction * (b - a));
                if (filled == buffer.length) {
                    out.accept(buffer, 0, filled);
                    filled = 0;
                }
                p += step;
            }
            if (length > 0) {
                previous = samples[offset + length - 1];
                position = p - length;
            }
            if (filled > 0) {
                out.accept(buffer, 0, filled);
                filled = 0;
            }
        }
    }
}
