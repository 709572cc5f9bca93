package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.worker.SessionHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How long a job takes to start in each isolation mode: from {@code JobClaim.launch} (the
 * assignment arrived) to the session signalling running. Prints a table for docs/isolation.md.
 * Not part of the normal test run (its name does not end in Test); run it with
 * <pre>
 * ./mvnw -B -q verify -pl openrtc-core -am -Dtest=IsolationStartBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * The children run with default JVM flags, as a production worker's would.
 */
class IsolationStartBenchmark {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int COROUTINE_WARMUP = 100;
    private static final int COROUTINE_RUNS = 1000;
    private static final int PREWARMED_RUNS = 15;
    private static final int COLD_RUNS = 5;

    @Test
    void jobStartTimes() {
        List<Double> coroutine = new ArrayList<>();
        try (SessionPool pool = SessionPool.builder(PoolOptions.defaults(), new ScriptedBody()).start()) {
            for (int i = 0; i < COROUTINE_WARMUP + COROUTINE_RUNS; i++) {
                double ms = launchToRunning(pool);
                if (i >= COROUTINE_WARMUP) {
                    coroutine.add(ms);
                }
            }
        }
        List<Double> prewarmed = new ArrayList<>();
        List<Double> childBoot = new ArrayList<>();
        PoolOptions prewarmedOptions = PoolOptions.builder().isolation(Isolation.PROCESS)
                .mainClass(TestSessionHostMain.class).idleProcesses(1).build();
        try (SessionPool pool = SessionPool.builder(prewarmedOptions, new ScriptedBody()).start()) {
            ProcessIsolator isolator = (ProcessIsolator) pool.isolator();
            for (int i = 0; i < PREWARMED_RUNS; i++) {
                await().atMost(WAIT).until(() -> isolator.idleCount() == 1);
                childBoot.add(isolator.idleChildren().getFirst().startDuration().toNanos() / 1e6);
                prewarmed.add(launchToRunning(pool));
            }
        }
        List<Double> cold = new ArrayList<>();
        PoolOptions coldOptions = prewarmedOptions.toBuilder().idleProcesses(0).build();
        try (SessionPool pool = SessionPool.builder(coldOptions, new ScriptedBody()).start()) {
            for (int i = 0; i < COLD_RUNS; i++) {
                cold.add(launchToRunning(pool));
            }
        }
        System.out.printf(Locale.ROOT, "%nJob start time, JobClaim.launch -> session running (%s, %d cores, %s)%n",
                System.getProperty("java.vm.version"), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"));
        System.out.println("| mode | runs | median | p90 | max |");
        System.out.println("|---|---|---|---|---|");
        row("coroutine (virtual thread)", coroutine);
        row("process, prewarmed child", prewarmed);
        row("process, cold child (no idle JVM)", cold);
        row("(child JVM boot to ready, in the background)", childBoot);
        assertThat(median(prewarmed)).isLessThan(median(cold));
    }

    private static double launchToRunning(SessionPool pool) {
        long start = System.nanoTime();
        SessionHandle handle = TestJobs.launch(pool, "running");
        handle.running().toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
        double ms = (System.nanoTime() - start) / 1e6;
        SessionOutcome outcome = handle.outcome().toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS)
                .join();
        assertThat(outcome).isInstanceOf(SessionOutcome.Success.class);
        return ms;
    }

    private static void row(String mode, List<Double> samples) {
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s |%n", mode, sorted.size(), format(median(sorted)),
                format(sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1)), format(sorted.getLast()));
    }

    private static double median(List<Double> samples) {
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static String format(double ms) {
        return ms < 1 ? String.format(Locale.ROOT, "%.0f µs", ms * 1000) : String.format(Locale.ROOT, "%.1f ms", ms);
    }
}
