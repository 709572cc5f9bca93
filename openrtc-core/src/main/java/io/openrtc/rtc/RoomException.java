package io.openrtc.rtc;

/** A room operation failed (joining, publishing). The message says which step and why. */
public class RoomException extends Exception {

    private static final long serialVersionUID = 1L;

    public RoomException(String message) {
        super(message);
    }

    public RoomException(String message, Throwable cause) {
        super(message, cause);
    }
}
