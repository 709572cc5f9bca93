package io.openrtc.rtc;

import java.util.Objects;

/**
 * Joining a room failed. {@link #step()} names the step; every native object created for the
 * attempt has been released by the time this is thrown.
 */
public class RoomJoinException extends RoomException {

    private static final long serialVersionUID = 1L;

    private final JoinStep step;
    private final String detail;

    /**
     * @param step   the join step that failed
     * @param detail what went wrong in it (never a token)
     */
    public RoomJoinException(JoinStep step, String detail) {
        super(describe(step, detail));
        this.step = step;
        this.detail = detail;
    }

    /**
     * @param step   the join step that failed
     * @param detail what went wrong in it (never a token)
     * @param cause  the underlying failure
     */
    public RoomJoinException(JoinStep step, String detail, Throwable cause) {
        super(describe(step, detail), cause);
        this.step = step;
        this.detail = detail;
    }

    /** What went wrong in that step, without the step. */
    public String detail() {
        return detail;
    }

    /** The step that failed. */
    public JoinStep step() {
        return step;
    }

    private static String describe(JoinStep step, String message) {
        return "joining the room failed at step " + Objects.requireNonNull(step, "step") + ": " + message;
    }
}
