package io.openrtc.voice;

import io.openrtc.voice.stt.Transcript;
import io.openrtc.voice.vad.VadEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Barge-in: the user's speech stops the agent. When voice activity has lasted
 * {@link InterruptionOptions#minDuration()} while the agent is audible (and its speech may be
 * interrupted), the agent pauses at once: its queued audio comes off the track, so it goes quiet
 * within one 10 ms frame. Words decide what it was: a transcript with words (at least
 * {@link InterruptionOptions#minWords()}) makes it an interruption (the speech ends, only what
 * was heard stays in the history, the model's and the synthesis's streams are cancelled); no
 * words within {@link InterruptionOptions#falseInterruptionTimeout()} after the speech ended
 * (a cough, a "mhmm", noise) makes it a false interruption, and the agent resumes where it
 * stopped.
 *
 * <p>The duration is measured from when the user began speaking, by the wall clock (the speech's
 * start is dated by the VAD to when the user spoke), so the stop does not wait for the last
 * 32 ms window or the network's delay.
 */
final class Interruptions {

    private final InterruptionOptions options;
    private final SpeechPlayout playout;
    private final ScheduledExecutorService timers;
    private final Consumer<VoiceEvent> events;
    private final Supplier<String> participant;

    // Guarded by this.
    private Instant speechStart;
    private boolean paused;
    private QueuedSpeech pausedSpeech;
    private ScheduledFuture<?> falseTimer;

    Interruptions(InterruptionOptions options, SpeechPlayout playout, ScheduledExecutorService timers,
            Consumer<VoiceEvent> events, Supplier<String> participant) {
        this.options = options;
        this.playout = playout;
        this.timers = timers;
        this.events = events;
        this.participant = participant;
    }

    /** Voice activity of the linked participant (on the audio input thread). */
    void onVad(VadEvent event) {
        switch (event) {
            case VadEvent.SpeechStarted started -> speechStarted(started.speechStart());
            case VadEvent.Window window -> {
                if (window.speaking()) {
                    maybePause();
                }
            }
            case VadEvent.SpeechEnded ended -> speechEnded();
        }
    }

    /** An utterance's transcript (empty when nothing intelligible was said). */
    void onTranscript(Transcript transcript) {
        QueuedSpeech speech;
        boolean real;
        synchronized (this) {
            if (!paused) {
                return;
            }
            real = options.meaningfulWords(transcript.text()) >= Math.max(1, options.minWords());
            speech = pausedSpeech;
            clearPause();
        }
        if (real) {
            interrupt(speech);
        } else {
            resumeAfterFalseInterruption();
        }
    }

    private synchronized void speechStarted(Instant start) {
        speechStart = start;
        if (falseTimer != null) {
            falseTimer.cancel(false);
            falseTimer = null;
        }
    }

    private void maybePause() {
        if (!options.enabled()) {
            return;
        }
        Instant start;
        synchronized (this) {
            start = speechStart;
            if (paused || start == null) {
                return;
            }
        }
        QueuedSpeech speech = playout.current();
        if (speech == null || !speech.allowsInterruptions() || !playout.isAudible()) {
            return;
        }
        if (Duration.between(start, Instant.now()).compareTo(options.minDuration()) < 0) {
            return;
        }
        if (!options.resumeFalseInterruption() && options.minWords() == 0) {
            interrupt(speech);
            return;
        }
        if (playout.pause()) {
            synchronized (this) {
                paused = true;
                pausedSpeech = speech;
            }
            events.accept(new VoiceEvent.AgentPaused(Instant.now(), participant.get()));
        }
    }

    private synchronized void speechEnded() {
        speechStart = null;
        if (paused && falseTimer == null) {
            falseTimer = timers.schedule(this::falseInterruptionTimedOut, options.falseInterruptionTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }

    private void falseInterruptionTimedOut() {
        QueuedSpeech speech;
        synchronized (this) {
            if (!paused) {
                return;
            }
            speech = pausedSpeech;
            clearPause();
        }
        if (options.resumeFalseInterruption()) {
            resumeAfterFalseInterruption();
        } else {
            events.accept(new VoiceEvent.FalseInterruption(Instant.now(), false));
            interrupt(speech);
        }
    }

    private void resumeAfterFalseInterruption() {
        playout.resume();
        events.accept(new VoiceEvent.FalseInterruption(Instant.now(), true));
    }

    private void interrupt(QueuedSpeech speech) {
        if (speech == null || speech.isDone()) {
            playout.resume();
            return;
        }
        speech.interrupt();
        playout.resume();
        // What was heard is known once the playout wrapped up; never wait for it on the caller's thread.
        Thread.ofVirtual().name("openrtc-voice-interrupted").start(() -> {
            speech.awaitQuietly();
            events.accept(new VoiceEvent.AgentInterrupted(Instant.now(), speech.text(), speech.spokenText()));
        });
    }

    private void clearPause() {
        paused = false;
        pausedSpeech = null;
        if (falseTimer != null) {
            falseTimer.cancel(false);
            falseTimer = null;
        }
    }
}
