package io.openrtc.voice;

import io.openrtc.observe.SessionMdc;
import io.openrtc.rtc.PcmResampler;
import io.openrtc.voice.audio.PcmAudio;
import io.openrtc.voice.tts.SentenceSplitter;
import io.openrtc.voice.tts.SpeechStream;
import io.openrtc.voice.tts.TextToSpeech;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The producing side of one speech, on a virtual thread of its own: it cuts the text into
 * sentences, asks text-to-speech for each in turn, resamples the audio to 48 kHz and hands it to
 * the playout as 10 ms frames, ahead of real time by at most the queue's length. While the
 * playout plays one sentence, this thread is already fetching the next.
 */
final class SpeechSynthesis implements AutoCloseable {

    /** What the playout receives, in order. */
    sealed interface Item {
    }

    /** A sentence's audio begins. */
    record SentenceStart(String text) implements Item {
    }

    /** 10 ms of 48 kHz mono audio. */
    record Frame(short[] samples) implements Item {
    }

    /** The current sentence's audio is complete. */
    record SentenceEnd() implements Item {
    }

    /** The whole speech is synthesised. */
    record End() implements Item {
    }

    /** Synthesis failed; nothing follows. */
    record Failed(VoiceProviderException error) implements Item {
    }

    static final int OUTPUT_RATE = 48_000;
    static final int FRAME_SAMPLES = OUTPUT_RATE / 100;
    /** How far ahead of the playout synthesis may run: 4 s of audio. */
    private static final int AHEAD_FRAMES = 400;

    private final TextToSpeech tts;
    private final SpeechText source;
    private final java.util.function.Consumer<String> onText;
    private final QueuedSpeech speech;
    private final Duration timeout;
    private final BlockingQueue<Item> items = new ArrayBlockingQueue<>(AHEAD_FRAMES);
    private final Thread thread;
    private volatile SpeechStream current;
    private volatile boolean closed;

    /**
     * @param tts     speaks each sentence
     * @param speech  the speech: its words come from its source; it learns its text, characters and first byte
     * @param timeout how long text-to-speech may take to deliver audio, and the text source to deliver text
     */
    SpeechSynthesis(TextToSpeech tts, QueuedSpeech speech, Duration timeout, String label) {
        this.tts = tts;
        this.speech = speech;
        this.source = speech.source();
        this.onText = speech::appendText;
        this.timeout = timeout;
        this.thread = Thread.ofVirtual().name("openrtc-voice-tts-" + label).start(SessionMdc.propagate(this::run));
    }

    /**
     * The next item, waiting at most {@code wait}.
     *
     * @return the item, or null when none came in time
     */
    Item next(Duration wait) throws InterruptedException {
        return items.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void run() {
        try (FrameBuilder frames = new FrameBuilder()) {
            SentenceSplitter splitter = new SentenceSplitter();
            String piece;
            while ((piece = source.next(timeout)) != null) {
                onText.accept(piece);
                for (String sentence : splitter.push(piece)) {
                    speak(sentence, frames);
                }
            }
            java.util.Optional<String> rest = splitter.finish();
            if (rest.isPresent()) {
                speak(rest.get(), frames);
            }
            put(new End());
        } catch (VoiceProviderException e) {
            offerFailure(e);
        } catch (InterruptedException e) {
            // cancelled: the playout stopped
        } catch (RuntimeException e) {
            offerFailure(new VoiceProviderException(tts.name(), VoiceStep.TTS, "its audio could not be played: " + e.getMessage(), e));
        }
    }

    private void speak(String sentence, FrameBuilder frames) throws VoiceProviderException, InterruptedException {
        put(new SentenceStart(sentence));
        synthesize(sentence, frames);
        frames.finish(this::putFrame);
        put(new SentenceEnd());
    }

    private void synthesize(String sentence, FrameBuilder frames) throws VoiceProviderException, InterruptedException {
        speech.synthesised(sentence);
        long asked = System.nanoTime();
        SpeechStream stream;
        try {
            stream = tts.synthesize(sentence);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new VoiceProviderException(tts.name(), VoiceStep.TTS, VoiceProviderException.describe(e), e);
        }
        if (stream == null) {
            throw new VoiceProviderException(tts.name(), VoiceStep.TTS, "returned no audio stream (null)", null);
        }
        current = stream;
        try {
            if (closed) {
                return;
            }
            PcmAudio audio;
            boolean any = false;
            while ((audio = stream.read(timeout)) != null) {
                if (!any && audio.samples().length > 0) {
                    speech.ttsFirstByte(Duration.ofNanos(System.nanoTime() - asked));
                }
                any = any || audio.samples().length > 0;
                frames.add(audio, this::putFrame);
            }
            if (!any) {
                throw new VoiceProviderException(tts.name(), VoiceStep.TTS, "returned no audio for \"" + sentence + "\"", null);
            }
        } catch (InterruptedException | VoiceProviderException e) {
            throw e;
        } catch (TimeoutException e) {
            throw new VoiceProviderException(tts.name(), VoiceStep.TTS,
                    "no audio within " + timeout.toMillis() + " ms (openrtc.voice.tts.timeout)", e);
        } catch (Exception e) {
            throw new VoiceProviderException(tts.name(), VoiceStep.TTS, VoiceProviderException.describe(e), e);
        } finally {
            current = null;
            stream.close();
        }
    }

    private void putFrame(short[] frame) throws InterruptedException {
        put(new Frame(frame));
    }

    private void put(Item item) throws InterruptedException {
        if (closed) {
            throw new InterruptedException("closed");
        }
        items.put(item);
    }

    /** The failure comes after the audio already made: what was synthesised is still heard. */
    private void offerFailure(VoiceProviderException e) {
        if (!closed) {
            try {
                items.put(new Failed(e));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Cancels: stops the provider's stream and this thread. */
    @Override
    public void close() {
        closed = true;
        source.cancel();
        SpeechStream stream = current;
        if (stream != null) {
            stream.close();
        }
        thread.interrupt();
        items.clear();
    }

    /** Cuts audio of any format into 10 ms frames of 48 kHz mono. */
    private static final class FrameBuilder implements AutoCloseable {

        interface FrameSink {
            void accept(short[] frame) throws InterruptedException;
        }

        private PcmResampler resampler;
        private short[] frame = new short[FRAME_SAMPLES];
        private int filled;
        private InterruptedException interrupted;

        void add(PcmAudio audio, FrameSink sink) throws InterruptedException {
            PcmAudio mono = audio.mono();
            if (mono.sampleRate() == OUTPUT_RATE) {
                append(mono.samples(), 0, mono.samples().length, sink);
                return;
            }
            if (resampler == null || resampler.inputRate() != mono.sampleRate()) {
                if (resampler != null) {
                    resampler.close();
                }
                resampler = new PcmResampler(mono.sampleRate(), OUTPUT_RATE);
            }
            resampler.process(mono.samples(), 0, mono.samples().length, (samples, offset, length) -> appendQuietly(samples, offset, length, sink));
            rethrow();
        }

        /** Ends a sentence: the resampler's tail, and a last frame padded with silence. */
        void finish(FrameSink sink) throws InterruptedException {
            if (resampler != null) {
                resampler.flush((samples, offset, length) -> appendQuietly(samples, offset, length, sink));
                rethrow();
            }
            if (filled > 0) {
                while (filled < FRAME_SAMPLES) {
                    frame[filled++] = 0;
                }
                emit(sink);
            }
        }

        private void appendQuietly(short[] samples, int offset, int length, FrameSink sink) {
            if (interrupted != null) {
                return;
            }
            try {
                append(samples, offset, length, sink);
            } catch (InterruptedException e) {
                interrupted = e;
            }
        }

        private void rethrow() throws InterruptedException {
            if (interrupted != null) {
                InterruptedException e = interrupted;
                interrupted = null;
                throw e;
            }
        }

        private void append(short[] samples, int offset, int length, FrameSink sink) throws InterruptedException {
            for (int i = 0; i < length; i++) {
                frame[filled++] = samples[offset + i];
                if (filled == FRAME_SAMPLES) {
                    emit(sink);
                }
            }
        }

        private void emit(FrameSink sink) throws InterruptedException {
            short[] done = frame;
            frame = new short[FRAME_SAMPLES];
            filled = 0;
            sink.accept(done);
        }

        @Override
        public void close() {
            if (resampler != null) {
                resampler.close();
            }
        }
    }
}
