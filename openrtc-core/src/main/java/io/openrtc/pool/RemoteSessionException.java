package io.openrtc.pool;

import java.util.Objects;

/**
 * What a session threw in its child JVM (process isolation), carried back to the worker: the
 * original exception's class name, message and stack trace (and its causes). The error of a
 * {@link io.openrtc.agent.SessionOutcome.Failed} in process mode; its log output reads like the
 * original exception.
 */
public final class RemoteSessionException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String remoteType;
    private final FailureSource source;

    /**
     * @param remoteType the original exception's class name
     * @param message    its message, possibly null
     * @param stackTrace its stack trace, in the child JVM
     * @param cause      its cause, carried the same way, or null
     */
    public RemoteSessionException(String remoteType, String message, StackTraceElement[] stackTrace,
            RemoteSessionException cause) {
        this(remoteType, message, stackTrace, cause, FailureSource.AGENT);
    }

    /**
     * @param remoteType the original exception's class name
     * @param message    its message, possibly null
     * @param stackTrace its stack trace, in the child JVM
     * @param cause      its cause, carried the same way, or null
     * @param source     whose fault it is, as the child JVM classified the original
     */
    public RemoteSessionException(String remoteType, String message, StackTraceElement[] stackTrace,
            RemoteSessionException cause, FailureSource source) {
        super(message, cause);
        this.remoteType = Objects.requireNonNull(remoteType, "remoteType");
        this.source = Objects.requireNonNull(source, "source");
        setStackTrace(stackTrace == null ? new StackTraceElement[0] : stackTrace);
    }

    /** Whose fault the original failure was ({@link FailureSource#of} in the child JVM). */
    public FailureSource source() {
        return source;
    }

    /** The original exception's class name, for example {@code java.lang.IllegalStateException}. */
    public String remoteType() {
        return remoteType;
    }

    /** {@code <original class>: <message> (in the session's child JVM)}. */
    @Override
    public String toString() {
        String message = getMessage();
        return remoteType + (message == null ? "" : ": " + message) + " (in the session's child JVM)";
    }
}
