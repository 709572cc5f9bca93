package io.openrtc.voice.vad;

import io.openrtc.voice.audio.Utterance;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Voice activity detection for one stream of audio (one participant of one session), on the
 * JVM's shared {@link SileroModel}. Feed it 16 kHz mono PCM in chunks of any size with
 * {@link #push}; every complete 32 ms window is classified and the events it causes are handed
 * to the caller's consumer on the caller's thread:
 * {@link VadEvent.Window} for every window, {@link VadEvent.SpeechStarted} once speech has lasted
 * {@link VadOptions#minSpeech()}, {@link VadEvent.SpeechEnded} with the whole {@link Utterance}
 * once the silence after it lasted {@link VadOptions#minSilence()}.
 *
 * <p>The decision follows LiveKit's Silero plugin: the model's probability is smoothed
 * exponentially (alpha 0.35), a window is speech when it reaches the activation threshold (or,
 * inside speech, stays above the deactivation threshold), and each utterance carries
 * {@link VadOptions#prefixPadding()} of audio from before the speech began.
 *
 * <p>The boundaries it reports are placed more finely than its decisions: the speech starts at
 * the first window whose <em>raw</em> probability reached the activation threshold, and ends one
 * window before the end of the last such window. Smoothing delays the decisions on purpose, and
 * the model itself stays up for about two windows after a voice stops (measured on Piper speech:
 * probability 1.0 for the window 22 to 54 ms after the last loud sample), so the smoothed
 * crossings alone would date the end about 120 ms late.
 *
 * <p>Not thread-safe: one stream, one feeding thread.
 */
public final class SileroVad implements AutoCloseable {

    private static final double SMOOTHING = 0.35;
    private static final long WINDOW_MICROS = SileroModel.WINDOW_SAMPLES * 1_000_000L / SileroModel.SAMPLE_RATE;

    private final SileroModel model;
    private final VadOptions options;
    private final float[] input = new float[SileroModel.CONTEXT_SAMPLES + SileroModel.WINDOW_SAMPLES];
    private final SileroModel.Stream stream;
    private final short[] window = new short[SileroModel.WINDOW_SAMPLES];
    private final SampleRing padding;
    private final int maxSpeechSamples;
    private int windowFill;
    private double smoothed = -1;

    private boolean speaking;
    private long speechRunMicros;
    private long silenceRunMicros;
    private Instant runStart;
    private Instant lastSpeechWindowEnd;
    private Instant rawRunStart;
    private Instant lastRawSpeechEnd;
    private short[] speech = new short[0];
    private int speechLength;
    private Instant speechAudioStart;
    private Instant speechStart;
    private long windows;

    /**
     * @param model   the shared model
     * @param options thresholds and durations
     */
    public SileroVad(SileroModel model, VadOptions options) {
        this.model = Objects.requireNonNull(model, "model");
        this.options = Objects.requireNonNull(options, "options");
        this.stream = model.openStream();
        int paddingSamples = samples(options.prefixPadding());
        // Room for the padding plus the windows that must pass before speech counts as started.
        int activationSamples = samples(options.minSpeech()) + 2 * SileroModel.WINDOW_SAMPLES;
        this.padding = new SampleRing(paddingSamples + activationSamples);
        this.maxSpeechSamples = samples(options.maxBufferedSpeech()) + paddingSamples + activationSamples;
    }

    /** Releases the stream's native tensors (they are released with the object otherwise). */
    @Override
    public void close() {
        stream.close();
    }

    /** The options this stream runs with. */
    public VadOptions options() {
        return options;
    }

    /** Whether the stream is inside speech now. */
    public boolean isSpeaking() {
        return speaking;
    }

    /** Windows classified so far. */
    public long windows() {
        return windows;
    }

    /**
     * Classifies the audio.
     *
     * @param samples     16 kHz mono PCM
     * @param endTime     wall-clock time of the last sample of this chunk (when it was received)
     * @param events      receives what the chunk caused, in order
     */
    public void push(short[] samples, int offset, int length, Instant endTime, Consumer<? super VadEvent> events) {
        Objects.checkFromIndexSize(offset, length, samples.length);
        int end = offset + length;
        for (int at = offset; at < end; ) {
            int take = Math.min(end - at, window.length - windowFill);
            System.arraycopy(samples, at, window, windowFill, take);
            windowFill += take;
            at += take;
            if (windowFill == window.length) {
                windowFill = 0;
                Instant windowEnd = endTime.minusNanos((end - at) * 1_000_000_000L / SileroModel.SAMPLE_RATE);
                classify(windowEnd, events);
            }
        }
    }

    /** Forgets the current speech and the model's state, as after a long pause or a new track. */
    public void reset() {
        stream.reset();
        Arrays.fill(input, 0);
        windowFill = 0;
        smoothed = -1;
        speaking = false;
        speechRunMicros = 0;
        silenceRunMicros = 0;
        speechLength = 0;
        rawRunStart = null;
        lastRawSpeechEnd = null;
        padding.clear();
    }

    private void classify(Instant windowEnd, Consumer<? super VadEvent> events) {
        // The model sees the last CONTEXT_SAMPLES of the previous window in front of the new one.
        System.arraycopy(input, SileroModel.WINDOW_SAMPLES, input, 0, SileroModel.CONTEXT_SAMPLES);
        for (int i = 0; i < window.length; i++) {
            input[SileroModel.CONTEXT_SAMPLES + i] = window[i] / 32768f;
        }
        float raw = stream.infer(input);
        smoothed = smoothed < 0 ? raw : SMOOTHING * smoothed + (1 - SMOOTHING) * raw;
        windows++;
        Instant windowStart = windowEnd.minusNanos(WINDOW_MICROS * 1000);
        if (raw >= options.activationThreshold()) {
            if (rawRunStart == null) {
                rawRunStart = windowStart;
            }
            // The model lags a voice's end by about a window: the speech ended nearer this window's start.
            lastRawSpeechEnd = windowStart;
        } else if (!speaking && smoothed < options.activationThreshold()) {
            rawRunStart = null;
        }
        boolean speechWindow = smoothed >= (speaking ? options.deactivationThreshold() : options.activationThreshold());

        if (speaking) {
            appendSpeech(window);
        } else {
            padding.append(window);
        }

        if (speechWindow) {
            if (speechRunMicros == 0) {
                runStart = windowStart;
            }
            speechRunMicros += WINDOW_MICROS;
            silenceRunMicros = 0;
            lastSpeechWindowEnd = windowEnd;
            if (!speaking && speechRunMicros >= options.minSpeech().toNanos() / 1000) {
                startSpeech(events);
            }
        } else {
            silenceRunMicros += WINDOW_MICROS;
            speechRunMicros = 0;
            if (speaking && silenceRunMicros >= options.minSilence().toNanos() / 1000) {
                endSpeech(events);
            }
        }
        Duration speechDuration = speaking ? Duration.between(speechStart, lastSpeechWindowEnd) : Duration.ZERO;
        events.accept(new VadEvent.Window((float) smoothed, speaking, speechDuration,
                Duration.ofNanos(silenceRunMicros * 1000), windowEnd));
    }

    private void startSpeech(Consumer<? super VadEvent> events) {
        speaking = true;
        speechStart = rawRunStart != null && rawRunStart.isBefore(runStart) ? rawRunStart : runStart;
        speechLength = 0;
        int buffered = padding.size();
        short[] head = padding.drain();
        appendSpeech(head);
        // The buffer ends at this window's end; its first sample lies `buffered` samples earlier.
        speechAudioStart = lastSpeechWindowEnd.minusNanos(buffered * 1_000_000_000L / SileroModel.SAMPLE_RATE);
        events.accept(new VadEvent.SpeechStarted(speechStart));
    }

    private void endSpeech(Consumer<? super VadEvent> events) {
        speaking = false;
        short[] audio = Arrays.copyOf(speech, speechLength);
        Instant end = lastRawSpeechEnd != null && lastRawSpeechEnd.isAfter(speechStart) ? lastRawSpeechEnd : lastSpeechWindowEnd;
        Utterance utterance = new Utterance(audio, SileroModel.SAMPLE_RATE, speechAudioStart, speechStart, end);
        rawRunStart = null;
        lastRawSpeechEnd = null;
        // The next utterance's padding starts with the end of this one (its trailing silence).
        padding.clear();
        int keep = Math.min(speechLength, padding.capacity());
        padding.append(speech, speechLength - keep, keep);
        speechLength = 0;
        events.accept(new VadEvent.SpeechEnded(utterance));
    }

    private void appendSpeech(short[] samples) {
        appendSpeech(samples, 0, samples.length);
    }

    private void appendSpeech(short[] samples, int offset, int length) {
        int room = maxSpeechSamples - speechLength;
        int take = Math.min(room, length);
        if (take <= 0) {
            return; // over max-buffered-speech: the rest of this speech is not kept
        }
        if (speech.length < speechLength + take) {
            speech = Arrays.copyOf(speech, Math.min(maxSpeechSamples, Math.max(speechLength + take, speech.length * 2 + 4096)));
        }
        System.arraycopy(samples, offset, speech, speechLength, take);
        speechLength += take;
    }

    private static int samples(Duration duration) {
        return (int) (duration.toNanos() * SileroModel.SAMPLE_RATE / 1_000_000_000L);
    }

    /** The newest samples up to a capacity, oldest dropped first. */
    private static final class SampleRing {
        private final short[] ring;
        private int start;
        private int size;

        SampleRing(int capacity) {
            this.ring = new short[Math.max(1, capacity)];
        }

        int capacity() {
            return ring.length;
        }

        int size() {
            return size;
        }

        void append(short[] samples) {
            append(samples, 0, samples.length);
        }

        void append(short[] samples, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                ring[(start + size) % ring.length] = samples[i];
                if (size < ring.length) {
                    size++;
                } else {
                    start = (start + 1) % ring.length;
                }
            }
        }

        short[] drain() {
            short[] out = new short[size];
            for (int i = 0; i < size; i++) {
                out[i] = ring[(start + i) % ring.length];
            }
            clear();
            return out;
        }

        void clear() {
            start = 0;
            size = 0;
        }
    }
}
