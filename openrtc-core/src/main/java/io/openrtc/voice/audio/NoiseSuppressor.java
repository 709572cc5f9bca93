package io.openrtc.voice.audio;

import dev.onvoid.webrtc.media.audio.AudioProcessing;
import dev.onvoid.webrtc.media.audio.AudioProcessingConfig;
import dev.onvoid.webrtc.media.audio.AudioProcessingStreamConfig;

/**
 * WebRTC's noise suppressor (its audio processing module with only noise suppression and the
 * high-pass filter on), for one stream of mono 16-bit audio at 8, 16, 32 or 48 kHz. It works on
 * exactly 10 ms at a time, in place.
 *
 * <p>Not thread-safe: one per stream. Holds a native object: {@link #close()} it.
 */
public final class NoiseSuppressor implements AutoCloseable {

    private static final java.util.concurrent.atomic.AtomicLong LIVE = new java.util.concurrent.atomic.AtomicLong();

    private final AudioProcessing processing;
    private final AudioProcessingStreamConfig config;
    private final int frameSamples;
    private final byte[] in;
    private final byte[] out;
    private boolean closed;

    /**
     * @param sampleRate 8000, 16000, 32000 or 48000
     * @param level      how hard to suppress
     */
    public NoiseSuppressor(int sampleRate, AudioProcessingConfig.NoiseSuppression.Level level) {
        if (sampleRate != 8_000 && sampleRate != 16_000 && sampleRate != 32_000 && sampleRate != 48_000) {
            throw new IllegalArgumentException("noise suppression runs at 8, 16, 32 or 48 kHz, not " + sampleRate);
        }
        this.processing = new AudioProcessing();
        LIVE.incrementAndGet();
        AudioProcessingConfig settings = new AudioProcessingConfig();
        settings.noiseSuppression.enabled = true;
        settings.noiseSuppression.level = level;
        settings.highPassFilter.enabled = true;
        settings.echoCanceller.enabled = false;
        settings.gainControl.enabled = false;
        processing.applyConfig(settings);
        this.config = new AudioProcessingStreamConfig(sampleRate, 1);
        this.frameSamples = sampleRate / 100;
        this.in = new byte[frameSamples * 2];
        this.out = new byte[frameSamples * 2];
    }

    /** How many are alive (not closed) in this JVM, for leak checks. */
    public static long live() {
        return LIVE.get();
    }

    /** Samples per call: 10 ms. */
    public int frameSamples() {
        return frameSamples;
    }

    /** Suppresses noise in {@code samples[offset, offset + frameSamples())}, in place. */
    public void process(short[] samples, int offset) {
        if (closed) {
            throw new IllegalStateException("this NoiseSuppressor is closed");
        }
        for (int i = 0; i < frameSamples; i++) {
            short s = samples[offset + i];
            in[2 * i] = (byte) s;
            in[2 * i + 1] = (byte) (s >> 8);
        }
        int result = processing.processStream(in, config, config, out);
        if (result != 0) {
            return; // the module refused the frame (it says why only in its own log): keep it as it was
        }
        for (int i = 0; i < frameSamples; i++) {
            samples[offset + i] = (short) ((out[2 * i] & 0xff) | (out[2 * i + 1] << 8));
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            processing.dispose();
            LIVE.decrementAndGet();
        }
    }
}
