package io.openrtc.pool;

import java.util.Optional;

/** A running session's link to its pool, handed to {@link SessionBody#run}. Thread-safe. */
public interface SessionControl {

    /**
     * Signals that the session is running: its room joined and the agent's code started. The
     * worker reports the job running to LiveKit at that moment. Idempotent; a body that never
     * calls it is simply never reported running.
     */
    void running();

    /** Whether the pool asked this session to stop (drain, job termination). */
    boolean isCancelled();

    /** Why the pool asked this session to stop, if it did. */
    Optional<String> cancelReason();

    /**
     * Runs {@code action} when the session is cancelled, on the cancelling thread, in addition to
     * the interrupt of the session's thread: for resources that do not answer interrupts (closing
     * a room connection). Runs at once if the session is already cancelled. Must be quick; a
     * throwing action is logged and ignored.
     */
    void onCancel(Runnable action);

    /**
     * Runs {@code action} if the pool gives the session up: it was cancelled and its thread did
     * not end within {@code openrtc.cancel-grace} (it ignores its interrupt). A thread cannot be
     * killed, so what it holds must be released from outside: close its room here, so that it
     * leaves LiveKit and frees its peer connections, although the thread runs on. Runs on a
     * thread of its own, at once if the session was already given up; a throwing action is
     * logged and ignored. Only sessions on virtual threads are ever given up this way (a child
     * JVM is killed instead).
     */
    void onAbandon(Runnable action);

    /** The JVM's shared resources, created once by the {@link Prewarm}. */
    SharedResources resources();

    /**
     * Reports what the session's voice measured to the pool, which publishes it as an
     * {@code OpenRtcEvent.VoiceMeasured} (from a child JVM too). Never blocks for long.
     */
    default void report(io.openrtc.observe.VoiceMetric metric) {
    }

    /**
     * Says that the session is about to end with {@code outcome} and is now leaving its room, so
     * that the worker tells LiveKit the job's end first: LiveKit records a job whose agent left the
     * room before the worker's status as failed ("agent worker left the room"). The outcome the
     * pool settles afterwards is still the session's outcome. Sessions in child JVMs do not pass
     * it on (their end is reported once the child answers).
     */
    default void ending(io.openrtc.agent.SessionOutcome outcome) {
    }
}
