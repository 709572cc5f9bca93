package io.openrtc.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The benchmark's events file ({@code OPENRTC_BENCH_EVENTS}): one JSON object per line, each
 * appended with a single {@code write} to a file opened with {@code O_APPEND}, so lines written by
 * the worker JVM and by its child JVMs never interleave.
 */
public final class EventsFile {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;

    public EventsFile(Path path) {
        this.path = Objects.requireNonNull(path, "path");
    }

    /** The file's path. */
    public Path path() {
        return path;
    }

    /** Appends {@code fields} as one JSON line (a map with a defined order keeps the line readable). */
    public void append(Map<String, ?> fields) {
        byte[] line;
        try {
            line = (JSON.writeValueAsString(fields) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write an event as JSON: " + fields.keySet(), e);
        }
        // A FileOutputStream in append mode opens with O_APPEND and is not interruptible: the
        // line is still written when the session's thread was interrupted (its room closed, the
        // job was terminated), where a FileChannel would close itself and throw.
        try (FileOutputStream out = new FileOutputStream(path.toFile(), true)) {
            out.write(line);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the events file " + path + " (OPENRTC_BENCH_EVENTS)", e);
        }
    }
}
