package io.openrtc.rtc;

/** A room operation failed (joining, publishing). The message says which step and why. */
public class RoomException extends Exception {

    private static final long serialVersionUID = 1L;

    /** @param message which step failed and why */
    public RoomException(String message) {
        super(message);
    }

    /**
     * @param message which step failed and why
     * @param cause   what made it fail
     */
    public RoomException(String message, Throwable cause) {
        super(message, cause);
    }
}
