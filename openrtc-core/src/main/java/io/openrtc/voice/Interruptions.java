package io.openrtc.voice;

import io.openrtc.observe.SessionMdc;
import io.openrtc.voice.stt.Transcript;
import io.openrtc.voice.vad.VadEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The user's speech stops the agent, by the profile of the state the agent is in
 * ({@link InterruptionOptions}): <em>speaking</em> (its audio plays: barge-in) or
 * <em>thinking</em> (a reply or speech is under way but not audible).
 *
 * <p>When voice activity has lasted the profile's minimum duration, the agent is held: a speaking
 * agent's queued audio comes off the track at once (it goes quiet within one 10 ms frame), a
 * thinking agent does not start. Words decide what it was: a transcript with the profile's
 * minimum of words makes it an interruption (a speaking agent's speech ends, only what was heard
 * stays in the history; a thinking agent's reply is dropped, and the user's words become the turn
 * it answers); no words within the false-interruption timeout after the speech ended (a cough, a
 * "mhmm", noise) makes it a false interruption, and the agent goes on where it was. Every path
 * releases the hold: the agent can never be left held.
 *
 * <p>The duration is measured from when the user began speaking, by the wall clock (the speech's
 * start is dated by the VAD to when the user spoke), so the stop does not wait for the last
 * 32 ms window or the network's delay.
 */
final class Interruptions {

    /** What a hold is holding. */
    private enum Held { NOTHING, SPEAKING, THINKING }

    private final InterruptionOptions options;
    private final SpeechPlayout playout;
    private final ScheduledExecutorService timers;
    private final Consumer<VoiceEvent> events;
    private final Supplier<String> participant;
    private final Supplier<Optional<Reply>> replyUnderWay;

    // Guarded by this.
    private Instant speechStart;
    private Held held = Held.NOTHING;
    private QueuedSpeech heldSpeech;
    private ScheduledFuture<?> falseTimer;

    Interruptions(InterruptionOptions options, SpeechPlayout playout, ScheduledExecutorService timers,
            Consumer<VoiceEvent> events, Supplier<String> participant, Supplier<Optional<Reply>> replyUnderWay) {
        this.options = options;
        this.playout = playout;
        this.timers = timers;
        this.events = events;
        this.participant = participant;
        this.replyUnderWay = replyUnderWay;
    }

    /** Voice activity of the linked participant (on the audio input thread). */
    void onVad(VadEvent event) {
        switch (event) {
            case VadEvent.SpeechStarted started -> speechStarted(started.speechStart());
            case VadEvent.Window window -> {
                // Only a voiced window: the VAD stays "in speech" through the silence that may end
                // it, and that silence must not count towards the minimum duration.
                if (window.speaking() && window.silenceDuration().isZero()) {
                    maybeHold();
                }
            }
            case VadEvent.SpeechEnded ended -> speechEnded();
        }
    }

    /** An utterance's transcript (empty when nothing intelligible was said). */
    void onTranscript(Transcript transcript) {
        Hold hold = takeHold();
        if (hold == null) {
            return;
        }
        InterruptionOptions.Profile profile = hold.what() == Held.SPEAKING ? options.speaking() : options.thinking();
        if (profile.interrupts(transcript.text())) {
            if (hold.what() == Held.SPEAKING) {
                interrupt(hold.speech());
            } else {
                dropPendingReply();
            }
        } else {
            release();
        }
    }

    /** The hold there was (now released from this object's books), or null. */
    private synchronized Hold takeHold() {
        if (held == Held.NOTHING) {
            return null;
        }
        Hold hold = new Hold(held, heldSpeech);
        clearHold();
        return hold;
    }

    private record Hold(Held what, QueuedSpeech speech) {
    }

    private synchronized void speechStarted(Instant start) {
        speechStart = start;
        if (falseTimer != null) {
            falseTimer.cancel(false);
            falseTimer = null;
        }
    }

    private void maybeHold() {
        if (!options.enabled()) {
            return;
        }
        Instant start;
        synchronized (this) {
            start = speechStart;
            if (held != Held.NOTHING || start == null) {
                return;
            }
        }
        Duration spoken = Duration.between(start, Instant.now());
        QueuedSpeech speech = playout.current();
        if (playout.isAudible()) {
            if (speech == null || !speech.allowsInterruptions() || spoken.compareTo(options.speaking().minDuration()) < 0) {
                return;
            }
            if (!options.resumeFalseInterruption() && options.speaking().minWords() == 0) {
                interrupt(speech);
                return;
            }
            if (playout.pause()) {
                hold(Held.SPEAKING, speech);
            }
        } else if (replyUnderWay.get().isPresent() || playout.isBusy()) {
            if (spoken.compareTo(options.thinking().minDuration()) >= 0 && playout.hold()) {
                hold(Held.THINKING, speech);
            }
        }
    }

    private void hold(Held what, QueuedSpeech speech) {
        synchronized (this) {
            held = what;
            heldSpeech = speech;
        }
        events.accept(new VoiceEvent.AgentPaused(Instant.now(), participant.get()));
    }

    private synchronized void speechEnded() {
        speechStart = null;
        if (held != Held.NOTHING && falseTimer == null) {
            falseTimer = timers.schedule(this::falseInterruptionTimedOut, options.falseInterruptionTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }

    private void falseInterruptionTimedOut() {
        Hold hold = takeHold();
        if (hold == null) {
            return;
        }
        if (hold.what() == Held.THINKING || options.resumeFalseInterruption()) {
            release();
        } else {
            events.accept(new VoiceEvent.FalseInterruption(Instant.now(), false));
            interrupt(hold.speech());
        }
    }

    /** The hold was for nothing: the agent goes on where it was. */
    private void release() {
        playout.resume();
        events.accept(new VoiceEvent.FalseInterruption(Instant.now(), true));
    }

    /** The user went on while the agent thought: its pending answer is dropped; their words make the turn. */
    private void dropPendingReply() {
        Optional<Reply> reply = replyUnderWay.get();
        reply.ifPresent(r -> r.cancel(TurnDropReason.SUPERSEDED));
        QueuedSpeech speech = playout.current();
        if (reply.isEmpty() && speech != null && speech.allowsInterruptions()) {
            speech.interrupt();
        }
        playout.resume();
        events.accept(new VoiceEvent.AgentInterrupted(Instant.now(), speech == null ? "" : speech.text(), ""));
    }

    private void interrupt(QueuedSpeech speech) {
        if (speech == null || speech.isDone()) {
            playout.resume();
            return;
        }
        speech.interrupt();
        playout.resume();
        // What was heard is known once the playout wrapped up; never wait for it on the caller's thread.
        Thread.ofVirtual().name("openrtc-voice-interrupted").start(SessionMdc.propagate(() -> {
            speech.awaitQuietly();
            events.accept(new VoiceEvent.AgentInterrupted(Instant.now(), speech.text(), speech.spokenText()));
        }));
    }

    private void clearHold() {
        held = Held.NOTHING;
        heldSpeech = null;
        if (falseTimer != null) {
            falseTimer.cancel(false);
            falseTimer = null;
        }
    }
}
