package io.openrtc.worker;

/**
 * The worker cannot start because of its configuration, not because of a passing network
 * fault: wrong API key or secret, or a URL that is not a LiveKit server. Retrying would not
 * help; {@link #setting()} names what to fix.
 */
public final class WorkerStartupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String setting;

    WorkerStartupException(String setting, String message, Throwable cause) {
        super(message, cause);
        this.setting = setting;
    }

    /** The setting to fix, for example {@code openrtc.livekit.url}. */
    public String setting() {
        return setting;
    }
}
