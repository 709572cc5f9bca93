package io.openrtc.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.pool.Isolation;
import io.openrtc.pool.PoolOptions;
import io.openrtc.pool.SessionHost;
import io.openrtc.pool.SessionPool;
import io.openrtc.worker.Admission;
import io.openrtc.worker.JobAssignment;
import io.openrtc.worker.ParticipantSpec;
import io.openrtc.worker.SessionHandle;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The stub-density benchmark (issue 9, "stub density"; run by {@code benchmarks/run-stub-density.sh}):
 * N sessions launched at once through the real {@link SessionPool}, the same
 * {@code tryClaim} / {@code JobClaim.launch} path a LiveKit assignment takes, each holding a
 * buffer for a while on its own virtual thread (or child JVM) and returning. No LiveKit, no
 * WebRTC: what is measured is the pool and the JVM.
 *
 * <p>One JVM per measurement, so every run starts from the same baseline:
 * <pre>
 * java -Xmx8g -cp openrtc-bench.jar io.openrtc.bench.StubDensity --sessions 500 --buffer-mb 5 --hold-ms 1000
 * </pre>
 * prints one line {@code RESULT {json}} on stdout: baseline and peak RSS of the JVM (and of its
 * child JVMs in process isolation), heap used, elapsed time from the first launch to the last
 * outcome, successes and failures, the most sessions alive at once, platform threads at the
 * peak. The buffer is touched page by page, so it is resident and not only reserved.
 */
public final class StubDensity {

    static final String BUFFER_PROPERTY = "openrtc.bench.stub.buffer-bytes";
    static final String HOLD_PROPERTY = "openrtc.bench.stub.hold-ms";
    private static final int PAGE = 4096;

    private StubDensity() {
    }

    /** What one run is asked to do. */
    record Settings(int sessions, long bufferBytes, long holdMillis, Isolation isolation, int sampleMillis,
            int maxConcurrent) {

        Settings {
            if (sessions < 1) {
                throw new IllegalArgumentException("--sessions must be at least 1, was " + sessions);
            }
            if (maxConcurrent < 1 || maxConcurrent > sessions) {
                throw new IllegalArgumentException("--max-concurrent must be between 1 and --sessions (" + sessions
                        + "), was " + maxConcurrent);
            }
            if (bufferBytes < 0 || bufferBytes > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("--buffer-mb must be between 0 and 2047, was " + bufferBytes / (1 << 20));
            }
            if (holdMillis < 0) {
                throw new IllegalArgumentException("--hold-ms must be zero or positive, was " + holdMillis);
            }
            if (sampleMillis < 1) {
                throw new IllegalArgumentException("--sample-ms must be at least 1, was " + sampleMillis);
            }
        }

        static Settings parse(String[] args) {
            Map<String, String> values = new TreeMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'; options: "
                            + "--sessions N --buffer-mb MB --hold-ms MS --isolation coroutine|process --sample-ms MS "
                            + "--max-concurrent M");
                }
                values.put(args[i].substring(2), args[++i]);
            }
            int sessions = intOption(values, "sessions", 50);
            double bufferMb = Double.parseDouble(values.getOrDefault("buffer-mb", "5"));
            long hold = intOption(values, "hold-ms", 1000);
            Isolation isolation = Isolation.fromValue(values.getOrDefault("isolation", "coroutine"));
            int sample = intOption(values, "sample-ms", 50);
            int maxConcurrent = intOption(values, "max-concurrent", sessions);
            values.keySet().removeAll(List.of("sessions", "buffer-mb", "hold-ms", "isolation", "sample-ms", "max-concurrent"));
            if (!values.isEmpty()) {
                throw new IllegalArgumentException("unknown options " + values.keySet());
            }
            return new Settings(sessions, Math.round(bufferMb * 1024 * 1024), hold, isolation, sample, maxConcurrent);
        }

        private static int intOption(Map<String, String> values, String name, int fallback) {
            String value = values.get(name);
            try {
                return value == null ? fallback : Integer.parseInt(value.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " must be a whole number, was '" + value + "'");
            }
        }
    }

    /**
     * The stub session: allocate the buffer, write one byte per page so the memory is really
     * committed, report running, hold it, return.
     */
    static io.openrtc.pool.SessionBody body(long bufferBytes, long holdMillis) {
        return (request, control) -> {
            byte[] buffer = new byte[(int) bufferBytes];
            for (int i = 0; i < buffer.length; i += PAGE) {
                buffer[i] = 1;
            }
            control.running();
            Thread.sleep(holdMillis);
            // The buffer must stay reachable for the whole hold, or the JIT may drop it early.
            java.lang.ref.Reference.reachabilityFence(buffer);
        };
    }

    public static void main(String[] args) throws Exception {
        if (SessionHost.isSessionHost()) {
            // A process-isolation child: the parent passed the stub's parameters as properties.
            SessionHost.serve(body(Long.getLong(BUFFER_PROPERTY, 0), Long.getLong(HOLD_PROPERTY, 0)));
            return;
        }
        Settings settings;
        try {
            settings = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("StubDensity: " + e.getMessage());
            System.exit(2);
            return;
        }
        Map<String, Object> result = run(settings);
        System.out.println("RESULT " + new ObjectMapper().writeValueAsString(result));
    }

    /** Runs one measurement and returns its figures. */
    static Map<String, Object> run(Settings settings) throws Exception {
        PoolOptions.Builder options = PoolOptions.builder()
                .isolation(settings.isolation())
                .maxConcurrentSessions(settings.maxConcurrent())
                .consecutiveFailureLimit(Integer.MAX_VALUE)
                .drainTimeout(Duration.ofSeconds(5));
        if (settings.isolation() == Isolation.PROCESS) {
            options.jvmArgs(List.of("--enable-native-access=ALL-UNNAMED",
                    "-D" + BUFFER_PROPERTY + "=" + settings.bufferBytes(), "-D" + HOLD_PROPERTY + "=" + settings.holdMillis()));
        }
        ResidentSampler sampler = new ResidentSampler(settings.isolation() == Isolation.PROCESS);
        try (SessionPool pool = SessionPool.builder(options.build(), body(settings.bufferBytes(), settings.holdMillis())).start()) {
            if (settings.isolation() == Isolation.PROCESS) {
                awaitIdleChildren(pool, Duration.ofSeconds(120));
            }
            // A collection first, so that start-up garbage does not count in the baseline.
            System.gc();
            long baselineLiveHeap = liveHeap();
            ResidentSampler.Sample baseline = sampler.baseline(Duration.ofSeconds(1), settings.sampleMillis());
            long gcCountBefore = gcCount();
            long gcMillisBefore = gcMillis();

            AtomicInteger alive = new AtomicInteger();
            AtomicInteger mostAlive = new AtomicInteger();
            sampler.start(settings.sampleMillis(), alive::get);
            List<CompletableFuture<SessionOutcome>> outcomes = new ArrayList<>(settings.sessions());
            Instant launchStart = Instant.now();
            long launchStartNanos = System.nanoTime();
            // With --max-concurrent below --sessions, a job offered to a full pool is offered again
            // when a session ends, as LiveKit would offer it again: the pool's capacity is what
            // bounds memory then.
            Semaphore slots = new Semaphore(settings.maxConcurrent());
            int declined = 0;
            for (int i = 0; i < settings.sessions(); i++) {
                JobInfo job = JobInfo.forRoom("AJ_stub" + i, "stub-" + i, "", "");
                slots.acquire();
                Admission admission;
                while (!((admission = pool.tryClaim(job, "stub", ParticipantSpec.forJob(job.jobId(), "stub")))
                        instanceof Admission.Accepted)) {
                    // The outcome completes a moment before the pool frees the session's slot.
                    declined++;
                    Thread.sleep(1);
                }
                Admission.Accepted accepted = (Admission.Accepted) admission;
                SessionHandle handle = accepted.claim().launch(
                        new JobAssignment(job, URI.create("ws://stub.invalid"), "stub-token-never-used", "agent-" + job.jobId()));
                AtomicBoolean ran = new AtomicBoolean();
                handle.running().thenRun(() -> {
                    ran.set(true);
                    mostAlive.accumulateAndGet(alive.incrementAndGet(), Math::max);
                });
                // running() completes before the outcome of a session that ran.
                outcomes.add(handle.outcome().toCompletableFuture().whenComplete((outcome, error) -> {
                    if (ran.get()) {
                        alive.decrementAndGet();
                    }
                    slots.release();
                }));
            }
            long launchNanos = System.nanoTime() - launchStartNanos;
            // Without a buffer, what each live session retains (virtual thread, stack, handle,
            // bookkeeping) is measured exactly: once every session is alive and asleep, collect
            // and read the heap still in use. The peak RSS was sampled before.
            long liveHeapAtPeak = -1;
            if (settings.bufferBytes() == 0 && settings.isolation() == Isolation.COROUTINE) {
                long waitUntil = System.nanoTime() + settings.holdMillis() * 1_000_000L / 2;
                while (alive.get() < settings.sessions() && System.nanoTime() < waitUntil) {
                    Thread.sleep(1);
                }
                if (alive.get() == settings.sessions()) {
                    liveHeapAtPeak = liveHeap();
                }
            }
            // Bounded: sessions that never end (a pool fault) are counted as unfinished.
            long waves = (settings.sessions() + settings.maxConcurrent() - 1) / settings.maxConcurrent();
            long timeoutMillis = 120_000 + 3 * waves * settings.holdMillis();
            try {
                CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                System.err.println("StubDensity: sessions still unfinished after " + timeoutMillis + " ms");
            }
            long elapsedNanos = System.nanoTime() - launchStartNanos;
            ResidentSampler.Peak peak = sampler.stop();

            int successes = 0;
            int failures = 0;
            int cancelled = 0;
            Instant lastEnd = launchStart;
            Map<String, Integer> failureKinds = new TreeMap<>();
            int unfinished = 0;
            for (CompletableFuture<SessionOutcome> future : outcomes) {
                if (!future.isDone()) {
                    unfinished++;
                    continue;
                }
                SessionOutcome outcome = future.join();
                lastEnd = outcome.endedAt().isAfter(lastEnd) ? outcome.endedAt() : lastEnd;
                switch (outcome) {
                    case SessionOutcome.Success s -> successes++;
                    case SessionOutcome.Cancelled c -> cancelled++;
                    case SessionOutcome.Failed f -> {
                        failures++;
                        failureKinds.merge(f.error().getClass().getSimpleName(), 1, Integer::sum);
                    }
                }
            }

            Map<String, Object> result = new LinkedHashMap<>();
            result.put("sessions", settings.sessions());
            result.put("isolation", settings.isolation().value());
            result.put("bufferBytes", settings.bufferBytes());
            result.put("holdMs", settings.holdMillis());
            result.put("successes", successes);
            result.put("failures", failures);
            result.put("cancelled", cancelled);
            result.put("unfinished", unfinished);
            result.put("maxConcurrent", settings.maxConcurrent());
            result.put("declinedOffers", declined);
            result.put("failureKinds", failureKinds);
            result.put("baselineRssBytes", baseline.rssBytes());
            result.put("baselinePssBytes", baseline.pssBytes());
            result.put("baselineHeapUsedBytes", baseline.heapUsedBytes());
            result.put("peakRssBytes", peak.rssBytes());
            result.put("peakPssBytes", peak.pssBytes());
            result.put("peakHeapUsedBytes", peak.heapUsedBytes());
            result.put("baselineLiveHeapBytes", baselineLiveHeap);
            result.put("liveHeapAllAliveBytes", liveHeapAtPeak);
            result.put("peakProcesses", peak.processes());
            result.put("peakPlatformThreads", peak.platformThreads());
            result.put("mostSessionsAlive", mostAlive.get());
            result.put("launchMs", launchNanos / 1e6);
            result.put("elapsedMs", elapsedNanos / 1e6);
            result.put("elapsedToLastOutcomeMs", Duration.between(launchStart, lastEnd).toNanos() / 1e6);
            result.put("samples", peak.samples());
            result.put("gcCount", gcCount() - gcCountBefore);
            result.put("gcMillis", gcMillis() - gcMillisBefore);
            result.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
            result.put("jvm", System.getProperty("java.vm.name") + " " + Runtime.version());
            result.put("jvmArgs", ManagementFactory.getRuntimeMXBean().getInputArguments());
            result.put("gc", ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList());
            return result;
        }
    }

    private static void awaitIdleChildren(SessionPool pool, Duration timeout) throws InterruptedException {
        int wanted = pool.options().process().idleProcesses();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pool.snapshot().idleProcesses() < wanted) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the pool's " + wanted + " idle child JVMs were not ready within " + timeout);
            }
            Thread.sleep(50);
        }
    }

    /** Heap in use after a full collection: what is really retained. */
    private static long liveHeap() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }
}
