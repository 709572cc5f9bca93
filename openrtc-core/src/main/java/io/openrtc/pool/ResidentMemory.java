package io.openrtc.pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Resident set size of a process, from Linux's {@code /proc/<pid>/status}. */
final class ResidentMemory {

    private ResidentMemory() {
    }

    /** Whether this system has {@code /proc} (Linux); without it RSS is not watched. */
    static boolean supported() {
        return Files.isReadable(Path.of("/proc/self/status"));
    }

    /** The resident memory of this JVM, if known. */
    static OptionalLong ofSelf() {
        return read(Path.of("/proc/self/status"));
    }

    /** The resident memory of process {@code pid}, if it still exists. */
    static OptionalLong ofProcess(long pid) {
        return read(Path.of("/proc", Long.toString(pid), "status"));
    }

    private static OptionalLong read(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) { // "VmRSS:     123456 kB"
                    String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone, or not Linux
        }
        return OptionalLong.empty();
    }

    /** {@code 123.4 MiB}, for messages. */
    static String format(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
