package io.openrtc.observe;

import java.time.Duration;
import java.util.Objects;

/**
 * How a drain went: the worker's (what LiveKit sees), the session pool's, or both together
 * (the runtime's).
 *
 * @param completed sessions that ended on their own while draining (success or failure)
 * @param cancelled sessions still running at the drain timeout, which the drain cancelled
 * @param abandoned of the cancelled ones, those whose end had not arrived when the drain
 *                  finished (for the worker: their final status could not be reported)
 * @param took      how long the drain took
 */
public record DrainResult(int completed, int cancelled, int abandoned, Duration took) {

    public DrainResult {
        Objects.requireNonNull(took, "took");
    }

    /** A drain that had nothing to do. */
    public static DrainResult nothingToDrain() {
        return new DrainResult(0, 0, 0, Duration.ZERO);
    }
}
