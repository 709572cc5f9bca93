package io.openrtc.worker;

import io.openrtc.agent.SessionOutcome;
import java.util.concurrent.CompletionStage;

/** A launched session, as the worker tracks it. */
public interface SessionHandle {

    /**
     * Completes when the session is running: its room joined and the agent's code started (at
     * once for sessions without a room). Never completes exceptionally; a session that fails
     * before running only completes {@link #outcome()}.
     */
    CompletionStage<Void> running();

    /** Completes, exactly once and never exceptionally, with how the session ended. */
    CompletionStage<SessionOutcome> outcome();

    /**
     * Completes with the outcome the session is about to end with, as it leaves its room (before
     * {@link #outcome()}, which may still differ); the worker reports the job's end to LiveKit
     * then, since LiveKit records a job whose agent left before its status as failed. By default
     * the same as {@link #outcome()}.
     */
    default CompletionStage<SessionOutcome> ending() {
        return outcome();
    }

    /** The worker has sent the job's end (or cannot): the session may leave its room now. */
    default void endReported() {
    }

    /**
     * Whether a session that ended with {@code outcome} may have left its participant in the room:
     * the process that held it died without leaving, and LiveKit keeps such a participant,
     * silent, until its own timeout. The worker then removes it through the room service. By
     * default, false.
     */
    default boolean leftParticipantBehind(SessionOutcome outcome) {
        return false;
    }

    /**
     * Asks the session to stop (job termination, drain timeout); it ends as
     * {@link SessionOutcome.Cancelled} with {@code reason} unless it already ended. Idempotent,
     * returns at once.
     */
    void cancel(String reason);
}
