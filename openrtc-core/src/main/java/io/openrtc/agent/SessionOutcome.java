package io.openrtc.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** How a session ended: one of a closed set, each with its start and end. */
public sealed interface SessionOutcome {

    /** When the session started running. */
    Instant startedAt();

    /** When it ended. */
    Instant endedAt();

    /** How long it ran. */
    default Duration duration() {
        return Duration.between(startedAt(), endedAt());
    }

    /** A lower-case label for logs and metric tags: {@code success}, {@code failed}, {@code cancelled}. */
    String label();

    /** The agent returned normally, or the room ended the session the normal way. */
    record Success(Instant startedAt, Instant endedAt) implements SessionOutcome {
        public Success {
            Objects.requireNonNull(startedAt, "startedAt");
            Objects.requireNonNull(endedAt, "endedAt");
        }

        @Override
        public String label() {
            return "success";
        }
    }

    /** The agent threw, the room could not be joined, or the session's process died. */
    record Failed(Throwable error, Instant startedAt, Instant endedAt) implements SessionOutcome {
        public Failed {
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(startedAt, "startedAt");
            Objects.requireNonNull(endedAt, "endedAt");
        }

        /** A one-line description of the error, for LiveKit's job status and for logs. */
        public String message() {
            String message = error.getMessage();
            return error.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
        }

        @Override
        public String label() {
            return "failed";
        }
    }

    /** The session was stopped from outside: drain timeout, job termination, shutdown. */
    record Cancelled(String reason, Instant startedAt, Instant endedAt) implements SessionOutcome {
        public Cancelled {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(startedAt, "startedAt");
            Objects.requireNonNull(endedAt, "endedAt");
        }

        @Override
        public String label() {
            return "cancelled";
        }
    }
}
