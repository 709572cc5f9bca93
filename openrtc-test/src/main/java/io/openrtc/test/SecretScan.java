package io.openrtc.test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * What the suite's log lines must never hold: the API secret of any LiveKit server a test started
 * in this JVM, and any JWT (every LiveKit participant and worker token is one).
 * {@link SecretScanAppender} checks every log event against it.
 */
public final class SecretScan {

    /** Three base64url segments, the first a JSON header ({@code {"} encodes as {@code eyJ}). */
    static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}");
    /** Shorter "secrets" (a dev server's {@code secret}) are words that honest lines hold too. */
    private static final int MIN_SECRET_LENGTH = 16;

    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();

    static {
        watch(System.getenv("LIVEKIT_API_SECRET"));
        watch(System.getProperty("openrtc.livekit.api-secret"));
    }

    private SecretScan() {
    }

    /** Adds a secret that no log line may hold from now on. */
    public static void watch(String secret) {
        if (secret != null && secret.length() >= MIN_SECRET_LENGTH) {
            SECRETS.add(secret);
        }
    }

    /** Whether {@code text} holds a watched secret or a JWT. */
    static boolean leaks(String text) {
        if (JWT.matcher(text).find()) {
            return true;
        }
        for (String secret : SECRETS) {
            if (text.contains(secret)) {
                return true;
            }
        }
        return false;
    }

    /** {@code text} with every watched secret and JWT replaced, so a report of a leak leaks nothing. */
    static String redact(String text) {
        String out = JWT.matcher(text).replaceAll("[JWT]");
        for (String secret : SECRETS) {
            out = out.replace(secret, "[API SECRET]");
        }
        return out;
    }

    static int watched() {
        return SECRETS.size();
    }
}
