package io.openrtc.rtc;

import java.util.Objects;

/** A room or track operation was attempted after the room closed (or the track was unpublished). */
public class RoomClosedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final transient CloseReason reason;

    /**
     * @param message the operation that was refused
     * @param reason  why the room (or track) closed
     */
    public RoomClosedException(String message, CloseReason reason) {
        super(message + ": " + Objects.requireNonNull(reason, "reason"));
        this.reason = reason;
    }

    /** Why the room (or track) closed. */
    public CloseReason reason() {
        return reason;
    }
}
