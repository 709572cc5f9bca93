package io.openrtc.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark's measuring window as the harness announces it ({@code OPENRTC_BENCH_WINDOW}): a
 * file to which the harness appends {@code start <epoch ms>} when the callers' window starts and
 * {@code end <epoch ms>} when it ends. One virtual thread per JVM (the worker, or a process-isolation
 * child) looks at the file's size every {@value #POLL_MILLIS} ms and tells the registered sessions,
 * so each agent session can report what it heard over the window only (the callers' figures cover
 * the same window), besides the whole session.
 *
 * <p>Without the variable there is no window: {@link #NONE} never opens.
 */
final class MeasureWindow {

    /** The window's phases, in order. */
    enum Phase {
        BEFORE, OPEN, CLOSED
    }

    static final int POLL_MILLIS = 100;

    private static final Logger log = LoggerFactory.getLogger(MeasureWindow.class);
    private static final Map<Path, MeasureWindow> WATCHED = new ConcurrentHashMap<>();

    /** A window that never opens. */
    static final MeasureWindow NONE = new MeasureWindow(null);

    private final Path file;
    private final List<Consumer<Phase>> listeners = new CopyOnWriteArrayList<>();
    private volatile Phase phase = Phase.BEFORE;
    private volatile long startEpochMillis;
    private volatile long endEpochMillis;

    private MeasureWindow(Path file) {
        this.file = file;
    }

    /** The window announced in {@code file}, watched by one thread per JVM and file. */
    static MeasureWindow watching(Path file) {
        return WATCHED.computeIfAbsent(file.toAbsolutePath(), path -> {
            MeasureWindow window = new MeasureWindow(path);
            // A virtual thread: no native thread of its own in the measured tree.
            Thread.ofVirtual().name("bench-measure-window").start(window::watch);
            return window;
        });
    }

    Phase phase() {
        return phase;
    }

    /** Whether the window is open now (one volatile read: the frame path asks it per frame). */
    boolean isOpen() {
        return phase == Phase.OPEN;
    }

    long startEpochMillis() {
        return startEpochMillis;
    }

    long endEpochMillis() {
        return endEpochMillis;
    }

    /** Calls {@code listener} on the watcher thread at each later change of phase. */
    void addListener(Consumer<Phase> listener) {
        listeners.add(listener);
    }

    void removeListener(Consumer<Phase> listener) {
        listeners.remove(listener);
    }

    private void watch() {
        long seenSize = -1;
        while (phase != Phase.CLOSED) {
            try {
                long size = Files.size(file);
                if (size != seenSize) {
                    seenSize = size;
                    read(Files.readString(file, StandardCharsets.UTF_8));
                }
            } catch (NoSuchFileException e) {
                // not announced yet
            } catch (IOException | RuntimeException e) {
                log.warn("cannot read the measuring window from {}: {}", file, e.toString());
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Applies the file's lines (package-private for the test). */
    void read(String content) {
        for (String line : content.split("\n")) {
            String[] words = line.strip().split("\\s+");
            if (words.length != 2) {
                continue;
            }
            long at;
            try {
                at = Long.parseLong(words[1]);
            } catch (NumberFormatException e) {
                continue;
            }
            if (words[0].equals("start") && phase == Phase.BEFORE) {
                startEpochMillis = at;
                change(Phase.OPEN);
            } else if (words[0].equals("end") && phase == Phase.OPEN) {
                endEpochMillis = at;
                change(Phase.CLOSED);
            }
        }
    }

    private void change(Phase next) {
        phase = next;
        for (Consumer<Phase> listener : listeners) {
            try {
                listener.accept(next);
            } catch (RuntimeException e) {
                log.warn("a measuring-window listener failed", e);
            }
        }
    }

    /** A window driven by hand (tests). */
    static MeasureWindow manual() {
        return new MeasureWindow(null);
    }
}
