package io.openrtc.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one reliability scenario (issue 18): what load it held, which faults it
 * injected, which inputs it tried and what was lost. Each figure is printed as it is recorded
 * ({@code [reliability] <scenario>: <name> = <value>}) and the whole report is appended, one
 * line per scenario, to {@code target/reliability/reports.txt} of the module that runs it, where
 * {@code reliability/run.sh} collects them.
 *
 * <p>How big a scenario runs is {@link #SIZE}: {@code ci} (the default, sized for {@code .ci/run})
 * or {@code full} ({@code -Dopenrtc.reliability.size=full}, the size of the documented run).
 */
public final class ScenarioReport implements AutoCloseable {

    /** {@code ci} or {@code full}, from {@code -Dopenrtc.reliability.size}. */
    public static final String SIZE = System.getProperty("openrtc.reliability.size", "ci").strip().toLowerCase(Locale.ROOT);

    private final String scenario;
    private final Map<String, String> figures = new LinkedHashMap<>();

    private ScenarioReport(String scenario) {
        this.scenario = scenario;
    }

    /** A report for {@code scenario} (a short name such as {@code drain-under-load}). */
    public static ScenarioReport start(String scenario) {
        System.out.printf("[reliability] %s: started (size %s)%n", scenario, SIZE);
        return new ScenarioReport(scenario);
    }

    /** Whether this is the full-size run rather than the CI one. */
    public static boolean full() {
        return "full".equals(SIZE);
    }

    /** {@code ciValue} in CI, {@code fullValue} in the full run. */
    public static int sized(int ciValue, int fullValue) {
        return full() ? fullValue : ciValue;
    }

    /** Records (and prints) one figure; a later figure of the same name replaces it. */
    public ScenarioReport figure(String name, Object value) {
        String text = value instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : String.valueOf(value);
        figures.put(name, text);
        System.out.printf("[reliability] %s: %s = %s%n", scenario, name, text);
        return this;
    }

    /** The figures recorded so far, in order. */
    public Map<String, String> figures() {
        return Map.copyOf(figures);
    }

    /** Appends the report to {@code target/reliability/reports.txt}. */
    @Override
    public void close() {
        StringBuilder line = new StringBuilder().append(Instant.now()).append(' ').append(scenario).append(" size=").append(SIZE);
        figures.forEach((k, v) -> line.append(" | ").append(k).append('=').append(v));
        System.out.println("[reliability] " + line);
        try {
            Path dir = Path.of("target", "reliability");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("reports.txt"), line.append('\n'), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
