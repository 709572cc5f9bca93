package io.openrtc.pool;

/**
 * A session's child JVM (process isolation) failed as a process: it did not start, crashed,
 * was killed ({@code kill -9}, the out-of-memory killer) or was killed by the pool for using
 * more than {@code openrtc.process.memory-limit}. The message says which.
 */
public final class SessionProcessException extends Exception {

    private static final long serialVersionUID = 1L;

    private final long pid;
    private final FailureSource source;

    /**
     * @param pid     the child's process id, or -1 if it never started
     * @param message what happened to it
     */
    public SessionProcessException(long pid, String message) {
        this(pid, message, FailureSource.WORKER);
    }

    /**
     * @param pid     the child's process id, or -1 if it never started
     * @param message what happened to it
     * @param source  whose fault it is: the worker's for a child that did not start or crashed,
     *                the agent's for one its session made use too much memory
     */
    public SessionProcessException(long pid, String message, FailureSource source) {
        super(message);
        this.pid = pid;
        this.source = java.util.Objects.requireNonNull(source, "source");
    }

    /**
     * @param pid     the child's process id, or -1 if it never started
     * @param message what happened to it
     * @param cause   the underlying failure
     */
    public SessionProcessException(long pid, String message, Throwable cause) {
        super(message, cause);
        this.pid = pid;
        this.source = FailureSource.WORKER;
    }

    /** Whose fault it is (see {@link #SessionProcessException(long, String, FailureSource)}). */
    public FailureSource source() {
        return source;
    }

    /** The child's process id, or -1 if it never started. */
    public long pid() {
        return pid;
    }

    /**
     * Whether {@code outcome} says a session's child JVM died under it: one that had started (so
     * its session joined, or may have joined, the room) and ended before reporting.
     */
    static boolean diedWhileRunning(io.openrtc.agent.SessionOutcome outcome) {
        if (!(outcome instanceof io.openrtc.agent.SessionOutcome.Failed failed)) {
            return false;
        }
        int depth = 0;
        for (Throwable t = failed.error(); t != null && depth < 16; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (t instanceof SessionProcessException process && process.pid() > 0) {
                return true;
            }
        }
        return false;
    }
}
