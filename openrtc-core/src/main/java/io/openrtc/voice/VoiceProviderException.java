package io.openrtc.voice;

import java.util.Objects;

/** A provider of the voice pipeline failed: the message names the provider and the step. */
public final class VoiceProviderException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String provider;
    private final VoiceStep step;

    /**
     * @param provider the provider's name ({@code openai/whisper-1})
     * @param step     the step it serves
     * @param detail   what went wrong
     * @param cause    the provider's own exception, or null
     */
    public VoiceProviderException(String provider, VoiceStep step, String detail, Throwable cause) {
        super(step + " provider '" + provider + "' failed: " + detail, cause);
        this.provider = Objects.requireNonNull(provider, "provider");
        this.step = Objects.requireNonNull(step, "step");
    }

    /**
     * A provider's exception as one line: its message, and the deepest cause's when that says
     * more ("Request failed (ConnectException: Connection refused)").
     */
    public static String describe(Throwable error) {
        if (error == null) {
            return "unknown error";
        }
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != error && root.getMessage() != null && !message.contains(root.getMessage())) {
            message += " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        }
        return message;
    }

    /** The provider's name. */
    public String provider() {
        return provider;
    }

    /** The step it serves. */
    public VoiceStep step() {
        return step;
    }
}
