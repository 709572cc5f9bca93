package io.openrtc.pool;

import java.util.Objects;

/**
 * A session failure that says whose fault it is (see {@link FailureSource}): thrown by a
 * {@link SessionBody} (the runtime throws it when the room connection is lost, for instance) so
 * that the supervisor counts it right. Anything else a body throws is the agent's.
 */
public class SessionFailureException extends Exception {

    private static final long serialVersionUID = 1L;

    private final FailureSource source;

    /**
     * @param source  whose fault it is
     * @param message what happened
     * @param cause   the underlying failure, or null
     */
    public SessionFailureException(FailureSource source, String message, Throwable cause) {
        super(message, cause);
        this.source = Objects.requireNonNull(source, "source");
    }

    /** Whose fault it is. */
    public FailureSource source() {
        return source;
    }
}
