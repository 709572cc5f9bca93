package io.openrtc.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * Samples this JVM's resident memory from {@code /proc} (and, in process isolation, that of its
 * child JVMs) at a fixed interval on a platform thread of its own, keeping the peak: RSS from
 * {@code /proc/<pid>/status}, PSS from {@code /proc/<pid>/smaps_rollup} (pages shared between
 * processes divided among them, the fair figure for a tree of JVMs), the heap in use, platform
 * threads and processes.
 */
final class ResidentSampler {

    /** One reading. PSS is -1 when it was not read. */
    record Sample(long rssBytes, long pssBytes, long heapUsedBytes, int processes, int platformThreads) {
    }

    /** The largest value of each figure over the run, and the readings as a time series. */
    record Peak(long rssBytes, long pssBytes, long heapUsedBytes, int processes, int platformThreads,
            List<Map<String, Object>> samples) {
    }

    private final boolean tree;
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private Thread thread;
    private volatile boolean stopping;
    private final List<Map<String, Object>> series = new ArrayList<>();
    private long peakRss;
    private long peakPss = -1;
    private long peakHeap;
    private int peakProcesses;
    private int peakThreads;

    /** @param tree whether to sum over the child processes too (process isolation) */
    ResidentSampler(boolean tree) {
        this.tree = tree;
    }

    /** Samples for {@code duration} and returns the mean, the figure to subtract from the peak. */
    Sample baseline(Duration duration, int intervalMillis) throws InterruptedException {
        List<Sample> samples = new ArrayList<>();
        long end = System.nanoTime() + duration.toNanos();
        do {
            samples.add(read());
            Thread.sleep(intervalMillis);
        } while (System.nanoTime() < end);
        return new Sample(
                (long) samples.stream().mapToLong(Sample::rssBytes).average().orElse(0),
                (long) samples.stream().mapToLong(Sample::pssBytes).average().orElse(-1),
                (long) samples.stream().mapToLong(Sample::heapUsedBytes).average().orElse(0),
                (int) Math.round(samples.stream().mapToInt(Sample::processes).average().orElse(0)),
                (int) Math.round(samples.stream().mapToInt(Sample::platformThreads).average().orElse(0)));
    }

    /** Starts sampling every {@code intervalMillis}; {@code alive} is recorded alongside. */
    void start(int intervalMillis, IntSupplier alive) {
        long start = System.nanoTime();
        thread = Thread.ofPlatform().daemon().name("stub-density-sampler").start(() -> {
            while (!stopping) {
                try {
                    record(read(), start, alive);
                } catch (OutOfMemoryError e) {
                    // The sessions filled the heap: keep sampling, this is when the peak matters.
                }
                try {
                    Thread.sleep(intervalMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    private synchronized void record(Sample sample, long start, IntSupplier alive) {
        peakRss = Math.max(peakRss, sample.rssBytes());
        peakPss = Math.max(peakPss, sample.pssBytes());
        peakHeap = Math.max(peakHeap, sample.heapUsedBytes());
        peakProcesses = Math.max(peakProcesses, sample.processes());
        peakThreads = Math.max(peakThreads, sample.platformThreads());
        Map<String, Object> point = new LinkedHashMap<>();
        point.put("tMs", (System.nanoTime() - start) / 1_000_000);
        point.put("rssMb", Math.round(sample.rssBytes() / 1e5 / 1.048576) / 10.0);
        point.put("heapMb", Math.round(sample.heapUsedBytes() / 1e5 / 1.048576) / 10.0);
        point.put("alive", alive.getAsInt());
        series.add(point);
    }

    /** Takes one last sample, stops, and returns the peaks. */
    Peak stop() throws InterruptedException {
        stopping = true;
        thread.join();
        Sample last = read();
        synchronized (this) {
            return new Peak(Math.max(peakRss, last.rssBytes()), Math.max(peakPss, last.pssBytes()),
                    Math.max(peakHeap, last.heapUsedBytes()), Math.max(peakProcesses, last.processes()),
                    Math.max(peakThreads, last.platformThreads()), List.copyOf(series));
        }
    }

    private Sample read() {
        List<Long> pids = new ArrayList<>();
        pids.add(ProcessHandle.current().pid());
        if (tree) {
            ProcessHandle.current().descendants().forEach(p -> pids.add(p.pid()));
        }
        long rss = 0;
        long pss = tree ? 0 : -1;
        int processes = 0;
        int threads = 0;
        for (long pid : pids) {
            Map<String, String> status = fields(Path.of("/proc", Long.toString(pid), "status"));
            if (status.isEmpty()) {
                continue; // ended between the listing and the read
            }
            processes++;
            rss += kilobytes(status.get("VmRSS"));
            threads += (int) number(status.get("Threads"));
            if (tree) {
                pss += kilobytes(fields(Path.of("/proc", Long.toString(pid), "smaps_rollup")).get("Pss"));
            }
        }
        return new Sample(rss, pss, memory.getHeapMemoryUsage().getUsed(), processes, threads);
    }

    private static Map<String, String> fields(Path file) {
        Map<String, String> fields = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    fields.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        return fields;
    }

    private static long kilobytes(String value) {
        return number(value) * 1024;
    }

    private static long number(String value) {
        if (value == null) {
            return 0;
        }
        String digits = value.split("\\s+")[0];
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
