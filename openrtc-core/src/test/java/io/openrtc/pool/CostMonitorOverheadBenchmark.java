package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.cost.CostMonitor;
import io.openrtc.cost.CostOptions;
import io.openrtc.cost.CostSnapshot;
import io.openrtc.observe.EventPublisher;
import io.openrtc.worker.SessionHandle;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the cost monitor itself costs at 100 sessions, printed (a figure, not a timed assertion):
 * 100 sessions of the real pool each do a voice session's rhythm, a little work and a 2 KB buffer
 * every 20 ms (an audio frame), first for 5 s without the monitor, then for 5 s with it (default
 * options: 20 ms execution samples, 150 allocation samples per second). Printed: the CPU time of
 * the monitor's JFR consumer thread ({@code ThreadMXBean}, a platform thread) as a share of one
 * core, and the whole JVM's CPU in both phases (which also holds JFR's own native sampler and
 * recorder threads, and the noise of a shared machine).
 */
class CostMonitorOverheadBenchmark {

    private static final int SESSIONS = 100;
    private static final Duration PHASE = Duration.ofSeconds(5);
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static volatile long sink;
    private static volatile byte[] frame;

    private final EventPublisher events = new EventPublisher();

    @AfterEach
    void closeEvents() {
        events.close();
    }

    @Test
    void theMonitorsOwnCpuAtOneHundredSessionsIsPrinted() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        SessionBody body = (request, control) -> {
            control.running();
            while (!stop.get()) {
                long x = request.job().jobId().hashCode();
                for (int i = 0; i < 20_000; i++) {
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                }
                sink = x;
                frame = new byte[2048];
                Thread.sleep(20);
            }
        };
        try (SessionPool pool = SessionPool.builder(PoolOptions.builder().maxConcurrentSessions(SESSIONS).build(), body)
                .events(events).start()) {
            List<SessionHandle> handles = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                handles.add(TestJobs.launch(pool, "frames"));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> pool.snapshot().active() == SESSIONS);
            double without = processCores(PHASE);

            CostSnapshot snapshot;
            double with;
            double monitorCores;
            try (CostMonitor monitor = new CostMonitor(CostOptions.DEFAULTS, tenant -> tenant)) {
                monitor.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> monitor.flushes() >= 2);
                Duration monitorFrom = monitor.monitorCpu();
                long from = System.nanoTime();
                with = processCores(PHASE);
                monitorCores = (double) (monitor.monitorCpu().minus(monitorFrom)).toNanos() / (System.nanoTime() - from);
                Instant measured = Instant.now();
                await().atMost(Duration.ofSeconds(30)).until(() -> monitor.settledUntil().isAfter(measured));
                snapshot = monitor.snapshot();
            }
            stop.set(true);
            for (SessionHandle handle : handles) {
                handle.outcome().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            long measuredSessions = snapshot.sessions().stream().filter(c -> c.cpuSamples() > 0).count();
            System.out.println(String.format("[cost-overhead] %d sessions: monitor consumer thread %.2f%% of a core; JVM %.3f cores "
                            + "without the monitor, %.3f with it (difference %.2f%% of a core, shared machine); "
                            + "sessions with samples %d; sessions' CPU %.3f cores",
                    SESSIONS, monitorCores * 100, without, with, (with - without) * 100, measuredSessions,
                    snapshot.sessions().stream().mapToDouble(CostSnapshot.Cost::cpuCores).sum()));
            // Each session runs some 40 us every 20 ms: one 20 ms sample in 500 lands on it, so about
            // half of them get one in 5 s. The monitor must have seen them, and charged them CPU.
            assertThat(measuredSessions).as("sessions the monitor saw working").isGreaterThanOrEqualTo(SESSIONS / 5);
            assertThat(snapshot.sessions().stream().mapToDouble(CostSnapshot.Cost::cpuSeconds).sum()).isPositive();
        }
    }

    /** The JVM's CPU over {@code span}, in cores. */
    private static double processCores(Duration span) {
        long from = System.nanoTime();
        long cpu = OS.getProcessCpuTime();
        await().pollDelay(span).atMost(span.multipliedBy(3)).until(() -> true);
        return (double) (OS.getProcessCpuTime() - cpu) / (System.nanoTime() - from);
    }
}
