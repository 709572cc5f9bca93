package io.openrtc.pool;

import io.openrtc.agent.SessionOutcome;
import java.util.List;

/**
 * What a worker and a session-host child JVM say to each other over their private Unix domain
 * socket. One session per child:
 * <pre>
 *   child  -> parent  Ready(pid)          booted and prewarmed
 *   parent -> child   Job(request)        the assignment, token included
 *   child  -> parent  Running             the body signalled running
 *   parent -> child   Cancel(reason)      stop (drain, job termination)
 *   child  -> parent  Succeeded | Failed(failure, source) | Cancelled(reason)
 * </pre>
 * The parent closing the socket before a job retires an idle child; either side closing it
 * mid-session means the other is gone.
 */
sealed interface HostMessage {

    record Ready(long pid) implements HostMessage {
    }

    record Job(SessionRequest request) implements HostMessage {
    }

    /** Child to parent: the session's voice measured something. */
    record Measured(io.openrtc.observe.VoiceMetric metric) implements HostMessage {
    }

    record Running() implements HostMessage {
    }

    record Cancel(String reason) implements HostMessage {
    }

    record Succeeded() implements HostMessage {
    }

    /** The session failed; {@code source} is whose fault, as the child classified it. */
    record Failed(Failure failure, FailureSource source) implements HostMessage {
    }

    record Cancelled(String reason) implements HostMessage {
    }

    /** An exception as plain values: class name, message, stack, cause. */
    record Failure(String type, String message, List<StackTraceElement> stack, Failure cause) {

        private static final int MAX_CAUSES = 8;

        static Failure of(Throwable t) {
            return of(t, 0);
        }

        private static Failure of(Throwable t, int depth) {
            Failure cause = t.getCause() != null && t.getCause() != t && depth < MAX_CAUSES
                    ? of(t.getCause(), depth + 1) : null;
            return new Failure(t.getClass().getName(), t.getMessage(), List.of(t.getStackTrace()), cause);
        }

        RemoteSessionException toException(FailureSource source) {
            return new RemoteSessionException(type, message, stack.toArray(StackTraceElement[]::new),
                    cause == null ? null : cause.toException(source), source);
        }
    }

    /** The message that reports {@code outcome}. */
    static HostMessage ending(SessionOutcome outcome) {
        return switch (outcome) {
            case SessionOutcome.Success s -> new Succeeded();
            case SessionOutcome.Failed f -> new Failed(Failure.of(f.error()), FailureSource.of(f.error()));
            case SessionOutcome.Cancelled c -> new Cancelled(c.reason());
        };
    }
}
