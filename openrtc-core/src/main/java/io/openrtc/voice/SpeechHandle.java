package io.openrtc.voice;

import java.time.Duration;
import java.util.Optional;

/**
 * One thing the agent says: queued, then spoken, then done (played out whole, interrupted, or
 * failed). Returned by {@link Voice#say}; safe to use from any thread.
 */
public interface SpeechHandle {

    /** The whole text asked for. */
    String text();

    /** Whether the user may interrupt it. */
    boolean allowsInterruptions();

    /** Whether it is done (played out, interrupted or failed). */
    boolean isDone();

    /** Whether it was stopped before its end (by {@link #interrupt()} or by the user). */
    boolean isInterrupted();

    /**
     * What the caller actually heard: the whole text when it played out; when interrupted, the
     * part played before the stop (estimated within the sentence by the share of its audio played).
     */
    String spokenText();

    /** How much audio was played. */
    Duration playedAudio();

    /** Why it could not be spoken, if a provider failed. */
    Optional<VoiceProviderException> failure();

    /**
     * Stops it: its audio stops within one 10 ms frame, the synthesis of the rest is cancelled.
     * Does nothing once done. Works even when {@link #allowsInterruptions()} is false (that only
     * keeps the user's speech from stopping it).
     */
    void interrupt();

    /** Waits until it is done. */
    void await() throws InterruptedException;

    /**
     * Waits until it is done, at most {@code timeout}.
     *
     * @return whether it is done
     */
    boolean await(Duration timeout) throws InterruptedException;
}
