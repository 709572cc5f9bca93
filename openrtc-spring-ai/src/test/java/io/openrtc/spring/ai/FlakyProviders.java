package io.openrtc.spring.ai;

import io.openrtc.voice.audio.PcmAudio;
import io.openrtc.voice.audio.Utterance;
import io.openrtc.voice.stt.Transcript;
import io.openrtc.voice.stt.UtteranceSpeechToText;
import io.openrtc.voice.tts.SpeechStream;
import io.openrtc.voice.tts.TextToSpeech;
import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real speech providers that now and then fail or stall, by a seeded draw per request: the
 * faults a real provider has (an error answer, a request that never returns, a stream that stops
 * halfway), on top of the real Whisper and Piper behind them.
 */
final class FlakyProviders {

    private FlakyProviders() {
    }

    /** How often each fault happens, per request. */
    record Odds(double fail, double stall) {
        static final Odds NONE = new Odds(0, 0);
    }

    /** Counts of the faults injected. */
    static final class Faults {
        final AtomicInteger sttFailed = new AtomicInteger();
        final AtomicInteger sttStalled = new AtomicInteger();
        final AtomicInteger ttsFailed = new AtomicInteger();
        final AtomicInteger ttsStalled = new AtomicInteger();

        @Override
        public String toString() {
            return "stt failed " + sttFailed + ", stalled " + sttStalled + "; tts failed " + ttsFailed + ", stalled "
                    + ttsStalled;
        }
    }

    /** Speech-to-text that fails or hangs (until the pipeline's timeout gives up on it). */
    static UtteranceSpeechToText stt(UtteranceSpeechToText real, Random random, Odds odds, Faults faults) {
        return new UtteranceSpeechToText() {
            @Override
            public String name() {
                return real.name();
            }

            @Override
            public Transcript transcribe(Utterance utterance) throws Exception {
                double draw = draw(random);
                if (draw < odds.fail()) {
                    faults.sttFailed.incrementAndGet();
                    throw new IOException("injected: the speech-to-text service answered 503");
                }
                if (draw < odds.fail() + odds.stall()) {
                    faults.sttStalled.incrementAndGet();
                    // Hangs until the pipeline gives up and interrupts the call.
                    new CountDownLatch(1).await(5, TimeUnit.MINUTES);
                    throw new IOException("injected stall outlived the pipeline's timeout");
                }
                return real.transcribe(utterance);
            }
        };
    }

    /** Text-to-speech whose request fails, or whose stream stops after its first piece of audio. */
    static TextToSpeech tts(TextToSpeech real, Random random, Odds odds, Faults faults) {
        return new TextToSpeech() {
            @Override
            public String name() {
                return real.name();
            }

            @Override
            public SpeechStream synthesize(String text) throws Exception {
                double draw = draw(random);
                if (draw < odds.fail()) {
                    faults.ttsFailed.incrementAndGet();
                    throw new IOException("injected: the text-to-speech service answered 500");
                }
                SpeechStream stream = real.synthesize(text);
                if (draw < odds.fail() + odds.stall()) {
                    faults.ttsStalled.incrementAndGet();
                    return new StallingStream(stream);
                }
                return stream;
            }
        };
    }

    /** Text-to-speech whose stream stops after its first piece of audio for every text {@code stalls} picks. */
    static TextToSpeech stallingWhen(TextToSpeech real, java.util.function.Predicate<String> stalls) {
        return new TextToSpeech() {
            @Override
            public String name() {
                return real.name();
            }

            @Override
            public SpeechStream synthesize(String text) throws Exception {
                SpeechStream stream = real.synthesize(text);
                return stalls.test(text) ? new StallingStream(stream) : stream;
            }
        };
    }

    private static double draw(Random random) {
        synchronized (random) {
            return random.nextDouble();
        }
    }

    /** Gives its first piece of audio, then nothing until closed. */
    private static final class StallingStream implements SpeechStream {
        private final SpeechStream real;
        private final CountDownLatch closed = new CountDownLatch(1);
        private boolean gave;

        StallingStream(SpeechStream real) {
            this.real = real;
        }

        @Override
        public PcmAudio read(Duration timeout) throws Exception {
            if (!gave) {
                gave = true;
                return real.read(timeout);
            }
            if (closed.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                return null;
            }
            throw new TimeoutException("injected: the synthesis stopped sending audio");
        }

        @Override
        public void close() {
            closed.countDown();
            real.close();
        }
    }
}
