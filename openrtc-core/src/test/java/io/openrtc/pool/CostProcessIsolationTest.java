package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.cost.CostMonitor;
import io.openrtc.cost.CostOptions;
import io.openrtc.cost.CostSnapshot;
import io.openrtc.worker.SessionHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In process isolation the cost monitor charges a session its child JVM's own CPU time: a real
 * child (prewarmed) keeps a core busy for 1.5 s, then waits. The truth is that child's CPU time as
 * the operating system counts it ({@code ProcessHandle.Info.totalCpuDuration}) from the session
 * running to the end of its busy part (it then creates a file), read by the test itself; the monitor must charge the
 * session (and its agent) within 20% of it.
 */
class CostProcessIsolationTest {

    @TempDir
    Path tmp;

    @AfterEach
    void noChildLeftBehind() {
        await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.current().children().findAny().isEmpty());
    }

    @Test
    void aChildJvmsCpuIsItsSessions() throws Exception {
        Path release = tmp.resolve("release");
        Path busy = tmp.resolve("busy-done");
        try (CostMonitor monitor = new CostMonitor(CostOptions.DEFAULTS, tenant -> tenant);
             SessionPool pool = ProcessIsolationTest.startWarm(ProcessIsolationTest.processOptions(1).build())) {
            monitor.start();
            ProcessHandle child = ProcessHandle.current().children().findFirst().orElseThrow();
            SessionHandle handle = TestJobs.launch(pool, "running;spin:1500;touch:" + busy + ";await-file:" + release);
            ProcessIsolationTest.awaitRunning(handle);
            Duration atRunning = cpu(child);
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(busy));
            double truth = cpu(child).minus(atRunning).toNanos() / 1e9;
            Instant busyDone = Instant.now();
            await().atMost(Duration.ofSeconds(30)).until(() -> monitor.settledUntil().isAfter(busyDone.plusSeconds(1)));
            CostSnapshot snapshot = monitor.snapshot();
            Files.createFile(release);
            ProcessIsolationTest.outcome(handle);

            CostSnapshot.Cost session = snapshot.sessions().stream().filter(c -> c.agent().equals(TestJobs.AGENT))
                    .findFirst().orElseThrow(() -> new AssertionError("no session in " + snapshot.sessions()));
            System.out.println(String.format("[cost-process] child pid %d: session charged %.3f s CPU, truth %.3f s",
                    child.pid(), session.cpuSeconds(), truth));
            assertThat(session.cpuSeconds()).isBetween(truth * 0.8, truth * 1.2);
            assertThat(snapshot.agents()).anySatisfy(agent -> {
                assertThat(agent.name()).isEqualTo(TestJobs.AGENT);
                assertThat(agent.cpuSeconds()).isGreaterThanOrEqualTo(session.cpuSeconds() * (1 - 1e-9));
            });
        }
    }

    private static Duration cpu(ProcessHandle process) {
        return process.info().totalCpuDuration().orElseThrow();
    }
}
