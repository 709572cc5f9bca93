package io.openrtc.rtc;

import java.util.Objects;

/**
 * Why a room connection ended.
 *
 * @param cause  what ended it
 * @param detail a human-readable detail for logs and job status (never a token)
 */
public record CloseReason(Cause cause, String detail) {

    public CloseReason {
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(detail, "detail");
    }

    /** What ended a room connection. */
    public enum Cause {
        /** This side left: {@link Room#close()} was called. */
        CLIENT_LEFT(true),
        /** The room was deleted (RoomService {@code DeleteRoom}) or closed by the server. */
        ROOM_DELETED(true),
        /** This participant was removed (RoomService {@code RemoveParticipant}). */
        PARTICIPANT_REMOVED(true),
        /** Another connection joined with the same identity and replaced this one. */
        DUPLICATE_IDENTITY(false),
        /** The server told us to leave for another reason (shutdown, migration, ...); see the detail. */
        SERVER_LEAVE(true),
        /** The connection was lost and could not be resumed or rejoined within the reconnect window. */
        CONNECTION_LOST(false),
        /** The media connection (ICE/DTLS) failed and could not be re-established. */
        MEDIA_FAILED(false),
        /** The {@link RtcRuntime} that owned the room was closed. */
        RUNTIME_CLOSED(false);

        private final boolean normal;

        Cause(boolean normal) {
            this.normal = normal;
        }

        /**
         * Whether this is a normal end of a session (the agent's work is simply over) rather than
         * a failure. A session runner maps normal causes to a successful outcome.
         */
        public boolean isNormal() {
            return normal;
        }
    }

    /** Shortcut for {@code cause().isNormal()}. */
    public boolean isNormal() {
        return cause.isNormal();
    }

    @Override
    public String toString() {
        return detail.isEmpty() ? cause.name() : cause + " (" + detail + ")";
    }
}
