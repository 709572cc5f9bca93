package io.openrtc.spring.devservices;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import org.springframework.core.env.Environment;

/** When the development services apply: the {@code openrtc.dev.livekit-server} mode, tests, profiles. */
final class DevServices {

    /** {@code openrtc.dev.livekit-server}. */
    enum Mode {
        /** Start one when no LiveKit is configured, not in tests, not under a production profile (the default). */
        AUTO,
        /** Start one when no LiveKit is configured, in tests and under any profile too. */
        ALWAYS,
        /** Never start one. */
        NEVER
    }

    static final String MODE_PROPERTY = "openrtc.dev.livekit-server";
    private static final Set<String> PRODUCTION_PROFILES = Set.of("prod", "production");
    /** As Boot's {@code spring.docker.compose.skip.in-tests}: a test framework on the stack. */
    private static final String[] TEST_FRAMES = {"org.junit.runners.", "org.junit.platform.", "org.springframework.boot.test.",
            "org.testng.", "cucumber.runtime.", "io.cucumber."};

    private DevServices() {
    }

    static Mode mode(Environment environment) {
        String value = environment.getProperty(MODE_PROPERTY, "auto").strip().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            return Mode.valueOf(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(MODE_PROPERTY + " must be auto, always or never, was '"
                    + environment.getProperty(MODE_PROPERTY) + "'");
        }
    }

    /** Whether this code runs under a test framework. */
    static boolean inTest() {
        for (StackTraceElement frame : Thread.currentThread().getStackTrace()) {
            for (String prefix : TEST_FRAMES) {
                if (frame.getClassName().startsWith(prefix)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The active production profile, or null. */
    static String productionProfile(Environment environment) {
        return Arrays.stream(environment.getActiveProfiles()).filter(p -> PRODUCTION_PROFILES.contains(p.toLowerCase(Locale.ROOT)))
                .findFirst().orElse(null);
    }

    /** Whether DevTools' restart is on the classpath. */
    static boolean devToolsPresent() {
        try {
            Class.forName("org.springframework.boot.devtools.restart.Restarter", false, DevServices.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
