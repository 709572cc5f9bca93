package io.openrtc.pool;

import java.util.Locale;

/** Where a session runs ({@code openrtc.isolation}). */
public enum Isolation {

    /**
     * On its own virtual thread in the worker JVM (the default): cheap, starts in microseconds,
     * shares the JVM's prewarmed resources. A session's exception never disturbs its siblings,
     * but a session can still exhaust the shared heap or crash the JVM through native code.
     */
    COROUTINE,

    /**
     * In its own child JVM, started from the same classpath and main class in the session-host
     * role and kept prewarmed: a crash, a native fault or a memory blow-up ends that session only.
     */
    PROCESS;

    /** The property value: {@code coroutine} or {@code process}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a property value, case-insensitively.
     *
     * @throws IllegalArgumentException naming {@code openrtc.isolation} for anything else
     */
    public static Isolation fromValue(String value) {
        if (value != null) {
            for (Isolation isolation : values()) {
                if (isolation.value().equalsIgnoreCase(value.trim())) {
                    return isolation;
                }
            }
        }
        throw new IllegalArgumentException("openrtc.isolation must be 'coroutine' or 'process', was '" + value + "'");
    }
}
