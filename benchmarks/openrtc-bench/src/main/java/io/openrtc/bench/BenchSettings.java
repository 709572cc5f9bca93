package io.openrtc.bench;

import io.openrtc.pool.Isolation;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The tone worker's settings, read from the environment the benchmark harness sets (the worker
 * contract in {@code benchmarks/harness/runtimes.py}). A bad value fails at startup with a message
 * naming the variable.
 *
 * @param livekitUrl  {@code LIVEKIT_URL}
 * @param apiKey      {@code LIVEKIT_API_KEY}
 * @param apiSecret   {@code LIVEKIT_API_SECRET}; never logged ({@link #toString()} leaves it out)
 * @param agentName   {@code OPENRTC_BENCH_AGENT_NAME}: the name to register for explicit dispatch
 * @param mode        {@code OPENRTC_BENCH_MODE}: {@code media} (default) or {@code dispatch}
 * @param eventsFile  {@code OPENRTC_BENCH_EVENTS}: where session lines are appended, if set
 * @param maxSessions {@code OPENRTC_BENCH_MAX_SESSIONS}: the pool's capacity (default 50)
 * @param toneHz      {@code OPENRTC_BENCH_TONE_HZ}: the agent's tone, a whole number of Hz (default 660)
 * @param isolation   {@code OPENRTC_BENCH_ISOLATION}: {@code coroutine} (default) or {@code process}
 * @param runtimeName the runtime's name in the harness, {@code openrtc-jvm-<isolation>}
 * @param windowFile  {@code OPENRTC_BENCH_WINDOW}: where the harness announces the measuring
 *                    window ({@link MeasureWindow}), if set
 */
public record BenchSettings(
        String livekitUrl,
        String apiKey,
        String apiSecret,
        String agentName,
        Mode mode,
        Optional<Path> eventsFile,
        int maxSessions,
        int toneHz,
        Isolation isolation,
        String runtimeName,
        Optional<Path> windowFile) {

    /** What each session does. */
    public enum Mode {
        /** Subscribe to the caller, publish a tone, until the room closes. */
        MEDIA,
        /** Record the timeline and return at once. */
        DISPATCH
    }

    /** Reads the settings from {@code env} (normally {@link System#getenv()}). */
    public static BenchSettings fromEnvironment(Map<String, String> env) {
        String url = required(env, "LIVEKIT_URL");
        String key = required(env, "LIVEKIT_API_KEY");
        String secret = required(env, "LIVEKIT_API_SECRET");
        String agentName = env.getOrDefault("OPENRTC_BENCH_AGENT_NAME", "bench-tone").strip();
        if (agentName.isEmpty()) {
            throw new IllegalArgumentException("OPENRTC_BENCH_AGENT_NAME must not be blank");
        }
        Mode mode = switch (env.getOrDefault("OPENRTC_BENCH_MODE", "media").strip().toLowerCase(Locale.ROOT)) {
            case "media" -> Mode.MEDIA;
            case "dispatch" -> Mode.DISPATCH;
            default -> throw new IllegalArgumentException("OPENRTC_BENCH_MODE must be 'media' or 'dispatch', was '"
                    + env.get("OPENRTC_BENCH_MODE") + "'");
        };
        String events = env.getOrDefault("OPENRTC_BENCH_EVENTS", "").strip();
        int maxSessions = positiveInt(env, "OPENRTC_BENCH_MAX_SESSIONS", 50);
        int toneHz = positiveInt(env, "OPENRTC_BENCH_TONE_HZ", 660);
        if (toneHz >= 24_000) {
            throw new IllegalArgumentException("OPENRTC_BENCH_TONE_HZ must be below 24000 (half of 48 kHz), was " + toneHz);
        }
        Isolation isolation;
        try {
            isolation = Isolation.fromValue(env.getOrDefault("OPENRTC_BENCH_ISOLATION", "coroutine"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("OPENRTC_BENCH_ISOLATION must be 'coroutine' or 'process', was '"
                    + env.get("OPENRTC_BENCH_ISOLATION") + "'");
        }
        return new BenchSettings(url, key, secret, agentName, mode,
                events.isEmpty() ? Optional.empty() : Optional.of(Path.of(events)), maxSessions, toneHz, isolation,
                "openrtc-jvm-" + isolation.value(), optionalPath(env, "OPENRTC_BENCH_WINDOW"));
    }

    private static Optional<Path> optionalPath(Map<String, String> env, String name) {
        String value = env.getOrDefault(name, "").strip();
        return value.isEmpty() ? Optional.empty() : Optional.of(Path.of(value));
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is not set (the benchmark harness sets it for the worker)");
        }
        return value.strip();
    }

    private static int positiveInt(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.strip());
            if (parsed > 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a positive whole number, was '" + value + "'");
    }

    @Override
    public String toString() {
        return "BenchSettings[url=" + livekitUrl + ", agentName=" + agentName + ", mode=" + mode + ", events="
                + eventsFile.map(Path::toString).orElse("-") + ", maxSessions=" + maxSessions + ", toneHz=" + toneHz
                + ", isolation=" + isolation.value() + ", window=" + windowFile.map(Path::toString).orElse("-") + "]";
    }
}
