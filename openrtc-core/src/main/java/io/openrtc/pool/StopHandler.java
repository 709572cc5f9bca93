package io.openrtc.pool;

/**
 * What the pool calls when the worker should drain and stop: the supervisor tripped (failures of
 * the worker itself, not of one agent), or memory
 * crossed {@code openrtc.memory.limit}. The runtime wires it to "drain and stop the worker" (and
 * the health module turns liveness to broken, so the platform restarts the instance).
 *
 * <p>Called at most once per cause, on a thread of its own, so it may block (drain).
 */
@FunctionalInterface
public interface StopHandler {

    /**
     * The worker should drain and stop.
     *
     * @param reason why
     * @param detail a human-readable explanation for logs
     */
    void stopRequested(Reason reason, String detail);

    /** Why the pool asks to stop. */
    enum Reason {
        /** {@code openrtc.consecutive-failure-limit} sessions in a row failed by the worker's own fault. */
        SUPERVISOR_TRIPPED,
        /** Memory is above {@code openrtc.memory.limit}. */
        MEMORY_LIMIT
    }
}
