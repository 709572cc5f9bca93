package io.openrtc.pool;

import io.openrtc.worker.SessionHandle;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A worker JVM for the orphan test: a process-isolation pool with one running session and one
 * idle child. Prints their pids, then waits to be killed.
 */
public final class TestWorkerMain {

    private TestWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        PoolOptions options = PoolOptions.builder().isolation(Isolation.PROCESS).mainClass(TestSessionHostMain.class)
                .jvmArgs(ProcessIsolationTest.CHILD_JVM_ARGS).idleProcesses(1).build();
        SessionPool pool = SessionPool.builder(options, new ScriptedBody()).start();
        ProcessIsolator isolator = (ProcessIsolator) pool.isolator();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> isolator.idleCount() == 1);
        SessionHandle session = TestJobs.launch(pool, "running;block");
        session.running().toCompletableFuture().get(60, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> isolator.idleCount() == 1);
        System.out.println("SESSION_CHILD=" + ((PooledSession) session).processId());
        System.out.println("IDLE_CHILD=" + isolator.idleChildren().getFirst().pid());
        System.out.println("SOCKET_DIR=" + isolator.socketDir());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
