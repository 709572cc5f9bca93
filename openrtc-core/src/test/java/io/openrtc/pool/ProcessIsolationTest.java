package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.DrainResult;
import io.openrtc.observe.EventPublisher;
import io.openrtc.worker.SessionHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessIsolationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Light child JVMs: the machine is small and shared. */
    static final List<String> CHILD_JVM_ARGS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

    @TempDir
    Path tmp;

    static PoolOptions.Builder processOptions(int idle) {
        return PoolOptions.builder().isolation(Isolation.PROCESS).mainClass(TestSessionHostMain.class)
                .jvmArgs(CHILD_JVM_ARGS).idleProcesses(idle).cancelGrace(Duration.ofSeconds(2))
                .drainTimeout(Duration.ofSeconds(5));
    }

    /** Starts a pool and waits until its idle children are ready, so jobs take prewarmed ones. */
    static SessionPool startWarm(PoolOptions options) {
        return awaitIdle(SessionPool.builder(options, new ScriptedBody()).start());
    }

    static SessionPool startWarm(PoolOptions options, EventPublisher events) {
        return awaitIdle(SessionPool.builder(options, new ScriptedBody()).events(events).start());
    }

    private static SessionPool awaitIdle(SessionPool pool) {
        PoolOptions options = pool.options();
        await().atMost(WAIT).until(() -> pool.isolator().idleCount() == options.process().idleProcesses());
        return pool;
    }

    static SessionOutcome outcome(SessionHandle handle) {
        return handle.outcome().toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    static void awaitRunning(SessionHandle handle) {
        handle.running().toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    @AfterEach
    void noChildLeftBehind() {
        await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.current().children().findAny().isEmpty());
    }

    @Test
    void aSessionRunsInAChildJvmAndReportsItsOutcome() {
        try (SessionPool pool = startWarm(processOptions(1).build())) {
            SessionHandle ok = TestJobs.launch(pool, "check-request;check-shared;running;sleep:50");
            awaitRunning(ok);
            long pid = ((PooledSession) ok).processId();
            assertThat(pid).isPositive().isNotEqualTo(ProcessHandle.current().pid());
            assertThat(outcome(ok)).isInstanceOf(SessionOutcome.Success.class);

            SessionHandle failed = TestJobs.launch(pool, "running;throw:no table free");
            assertThat(outcome(failed)).isInstanceOfSatisfying(SessionOutcome.Failed.class, f -> {
                assertThat(f.error()).isInstanceOfSatisfying(RemoteSessionException.class, remote -> {
                    assertThat(remote.remoteType()).isEqualTo(IllegalStateException.class.getName());
                    assertThat(remote.getMessage()).isEqualTo("no table free");
                    assertThat(remote.getStackTrace()).anySatisfy(
                            e -> assertThat(e.getClassName()).isEqualTo(ScriptedBody.class.getName()));
                });
            });
            assertThat(((PooledSession) failed).processId()).isNotEqualTo(pid); // one child per session
        }
    }

    @Test
    void killMinus9OfOneChildDuringTwoRunningSessionsFailsOnlyThatSession() throws Exception {
        Path release = tmp.resolve("release-survivor");
        try (SessionPool pool = startWarm(processOptions(2).build())) {
            SessionHandle victim = TestJobs.launch(pool, "running;block");
            SessionHandle survivor = TestJobs.launch(pool, "running;await-file:" + release);
            awaitRunning(victim);
            awaitRunning(survivor);
            long victimPid = ((PooledSession) victim).processId();
            Process kill = new ProcessBuilder("kill", "-9", Long.toString(victimPid)).inheritIO().start();
            assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).isZero();

            assertThat(outcome(victim)).isInstanceOfSatisfying(SessionOutcome.Failed.class, f -> {
                assertThat(f.error()).isInstanceOf(SessionProcessException.class);
                assertThat(f.error().getMessage()).contains("pid " + victimPid).contains("SIGKILL");
            });
            assertThat(survivor.outcome().toCompletableFuture().isDone()).isFalse();
            assertThat(pool.snapshot().active()).isEqualTo(1);
            assertThat(pool.snapshot().tripped()).isFalse();

            Files.createFile(release);
            assertThat(outcome(survivor)).isInstanceOf(SessionOutcome.Success.class);
        }
    }

    @Test
    void aChildOverItsMemoryLimitIsKilledAndReported() {
        PoolOptions options = processOptions(1).processMemoryLimitBytes(256L * 1024 * 1024).build();
        try (SessionPool pool = startWarm(options)) {
            SessionHandle hog = TestJobs.launch(pool, "running;alloc-heap:100;alloc-direct:150;block");
            assertThat(outcome(hog)).isInstanceOfSatisfying(SessionOutcome.Failed.class, f -> {
                assertThat(f.error()).isInstanceOf(SessionProcessException.class);
                assertThat(f.error().getMessage()).contains("openrtc.process.memory-limit").contains("256.0 MiB");
            });
            // The pool goes on: the next session gets a fresh child.
            assertThat(outcome(TestJobs.launch(pool, "running"))).isInstanceOf(SessionOutcome.Success.class);
        }
    }

    @Test
    void aChildOverItsMemoryLimitBeforeItIsReadyIsReportedNamingTheLimit() {
        // A limit too low for the application to even boot: the error must say so, not blame the main class.
        PoolOptions options = processOptions(0).mainClass(SlowStartSessionHostMain.class)
                .processMemoryLimitBytes(64L * 1024 * 1024).build();
        try (SessionPool pool = SessionPool.builder(options, new ScriptedBody()).start()) {
            SessionHandle handle = TestJobs.launch(pool, "running");
            assertThat(outcome(handle)).isInstanceOfSatisfying(SessionOutcome.Failed.class, f -> {
                assertThat(f.error()).isInstanceOf(SessionProcessException.class);
                assertThat(f.error().getMessage()).contains("openrtc.process.memory-limit").contains("64.0 MiB")
                        .doesNotContain("openrtc.process.main-class");
            });
        }
    }

    @Test
    void aPrewarmedChildTakesAJobWithoutAJvmStart() {
        Duration prewarmed;
        Duration cold;
        try (SessionPool pool = startWarm(processOptions(1).build())) {
            ProcessIsolator isolator = (ProcessIsolator) pool.isolator();
            await().atMost(WAIT).until(() -> isolator.idleCount() == 1);
            long idlePid = isolator.idleChildren().getFirst().pid();
            long start = System.nanoTime();
            SessionHandle handle = TestJobs.launch(pool, "running");
            awaitRunning(handle);
            prewarmed = Duration.ofNanos(System.nanoTime() - start);
            assertThat(((PooledSession) handle).processId()).isEqualTo(idlePid);
            assertThat(outcome(handle)).isInstanceOf(SessionOutcome.Success.class);
        }
        try (SessionPool pool = startWarm(processOptions(0).build())) {
            long start = System.nanoTime();
            SessionHandle handle = TestJobs.launch(pool, "running");
            awaitRunning(handle);
            cold = Duration.ofNanos(System.nanoTime() - start);
            assertThat(outcome(handle)).isInstanceOf(SessionOutcome.Success.class);
        }
        System.out.printf("process isolation, launch to running: prewarmed child %.1f ms, cold child %.1f ms%n",
                prewarmed.toNanos() / 1e6, cold.toNanos() / 1e6);
        assertThat(prewarmed).isLessThan(cold);
    }

    @Test
    void cancelAsksTheChildToStopAndKillsItAfterTheGrace() {
        try (SessionPool pool = startWarm(processOptions(2).build())) {
            SessionHandle polite = TestJobs.launch(pool, "running;block");
            SessionHandle stubborn = TestJobs.launch(pool, "running;stubborn");
            awaitRunning(polite);
            awaitRunning(stubborn);
            polite.cancel("job terminated");
            stubborn.cancel("job terminated");
            assertThat(outcome(polite)).isInstanceOfSatisfying(SessionOutcome.Cancelled.class,
                    c -> assertThat(c.reason()).isEqualTo("job terminated"));
            assertThat(outcome(stubborn)).isInstanceOfSatisfying(SessionOutcome.Cancelled.class,
                    c -> assertThat(c.reason()).isEqualTo("job terminated"));
            long stubbornPid = ((PooledSession) stubborn).processId();
            await().atMost(WAIT).until(() -> ProcessHandle.of(stubbornPid).isEmpty());
        }
    }

    @Test
    void aChildThatCrashesFailsItsSession() {
        try (SessionPool pool = startWarm(processOptions(1).build())) {
            SessionHandle crash = TestJobs.launch(pool, "running;halt:7");
            assertThat(outcome(crash)).isInstanceOfSatisfying(SessionOutcome.Failed.class,
                    f -> assertThat(f.error().getMessage()).contains("exited with code 7"));
        }
    }

    @Test
    void closeReturnsOnlyOnceEveryChildIsReaped() {
        // A host whose user code keeps its JVM alive after the session: the pool kills it after
        // its exit grace, and close() must not return before that, or the worker's JVM could exit
        // first and leave the child running as an orphan.
        SessionPool pool = startWarm(processOptions(1).build());
        long lingeringPid;
        try {
            SessionHandle lingering = TestJobs.launch(pool, "running;linger");
            assertThat(outcome(lingering)).isInstanceOf(SessionOutcome.Success.class);
            lingeringPid = ((PooledSession) lingering).processId();
        } finally {
            pool.close();
        }
        assertThat(ProcessHandle.of(lingeringPid).filter(ProcessHandle::isAlive))
                .as("the lingering child is gone once close() returned").isEmpty();
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList())
                .as("no child of the pool is alive once close() returned").isEmpty();
    }

    @Test
    void aMainClassThatDoesNotServeIsReportedClearly() {
        PoolOptions options = processOptions(0).mainClass(NotASessionHostMain.class).build();
        try (SessionPool pool = SessionPool.builder(options, new ScriptedBody()).start()) {
            SessionHandle handle = TestJobs.launch(pool, "running");
            assertThat(outcome(handle)).isInstanceOfSatisfying(SessionOutcome.Failed.class, f -> {
                assertThat(f.error()).isInstanceOf(SessionProcessException.class);
                assertThat(f.error().getMessage()).contains("SessionHost.serve").contains("openrtc.process.main-class");
            });
        }
    }

    @Test
    void drainInProcessModeLetsQuickSessionsFinishAndCancelsTheRest() {
        Duration timeout = Duration.ofSeconds(2);
        try (SessionPool pool = startWarm(processOptions(2).drainTimeout(timeout).build())) {
            SessionHandle quick = TestJobs.launch(pool, "running;sleep:300");
            SessionHandle slow = TestJobs.launch(pool, "running;block");
            awaitRunning(quick);
            awaitRunning(slow);
            DrainResult result = pool.drain();
            System.out.printf("process-mode drain with timeout %d ms took %d ms%n", timeout.toMillis(),
                    result.took().toMillis());
            assertThat(outcome(quick)).isInstanceOf(SessionOutcome.Success.class);
            assertThat(outcome(slow)).isInstanceOf(SessionOutcome.Cancelled.class);
            assertThat(result.took()).isLessThan(timeout.plus(Duration.ofMillis(1500)));
            assertThat(pool.snapshot().idleProcesses()).isZero(); // idle children retired
        }
    }

    @Test
    void whenTheWorkerDiesItsChildrenCancelTheirSessionAndExit() throws Exception {
        Process worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), TestWorkerMain.class.getName())
                .redirectErrorStream(true).start();
        long sessionChild = -1;
        long idleChild = -1;
        Path socketDir = null;
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(worker.getInputStream()))) {
            String line;
            while ((sessionChild < 0 || idleChild < 0 || socketDir == null) && (line = lines.readLine()) != null) {
                System.out.println("[worker] " + line);
                if (line.startsWith("SESSION_CHILD=")) {
                    sessionChild = Long.parseLong(line.substring("SESSION_CHILD=".length()));
                } else if (line.startsWith("IDLE_CHILD=")) {
                    idleChild = Long.parseLong(line.substring("IDLE_CHILD=".length()));
                } else if (line.startsWith("SOCKET_DIR=")) {
                    socketDir = Path.of(line.substring("SOCKET_DIR=".length()));
                }
            }
            assertThat(sessionChild).isPositive();
            assertThat(idleChild).isPositive();
            assertThat(ProcessHandle.of(sessionChild)).isPresent();
            worker.destroyForcibly(); // kill -9 of the worker
            assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long session = sessionChild;
            long idle = idleChild;
            await().atMost(WAIT).until(() -> ProcessHandle.of(session).isEmpty() && ProcessHandle.of(idle).isEmpty());
        } finally {
            worker.destroyForcibly();
            // never leave an orphan behind, whatever the assertions said
            for (long pid : new long[] {sessionChild, idleChild}) {
                if (pid > 0) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            if (socketDir != null && socketDir.getFileName().toString().startsWith("openrtc-pool-")) {
                // A worker killed with -9 cannot clean up; its (empty) socket directory is ours to remove.
                try (var files = Files.list(socketDir)) {
                    for (Path file : files.toList()) {
                        Files.deleteIfExists(file);
                    }
                }
                Files.deleteIfExists(socketDir);
            }
        }
    }
}
