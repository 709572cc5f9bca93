package io.openrtc.pool;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.worker.SessionHandle;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A worker JVM for the child-configuration tests, and its own children's main: the pool names no
 * main class, so the children start this class from the parent's command line. As a worker it runs
 * one session (in a child) that checks the system property {@code openrtc.test.inherited} and the
 * program arguments the child got, then waits for the file named by the first argument; on
 * SIGTERM it drains (as a Spring application does) before the JVM exits. It prints
 * {@code SESSION_CHILD=pid} once the session runs and {@code OUTCOME=...} when it ends.
 */
public final class TestInheritingWorkerMain {

    /** Where a child keeps the program arguments it got, joined by '|'. */
    static final String CHILD_ARGS = "openrtc.test.child-args";

    private TestInheritingWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (SessionHost.isSessionHost()) {
            System.setProperty(CHILD_ARGS, String.join("|", args));
            SessionHost.serve(new ScriptedBody(), ScriptedBody.PREWARM);
            return;
        }
        PoolOptions options = PoolOptions.builder().isolation(Isolation.PROCESS).jvmArgs(ProcessIsolationTest.CHILD_JVM_ARGS)
                .idleProcesses(0).drainTimeout(Duration.ofSeconds(60)).build();
        SessionPool pool = SessionPool.builder(options, new ScriptedBody()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("DRAINING");
            System.out.flush();
            pool.drain(options.drainTimeout());
            pool.close();
        }));
        SessionHandle session = TestJobs.launch(pool, "running;check-property:openrtc.test.inherited="
                + System.getProperty("openrtc.test.inherited") + ";check-property:" + CHILD_ARGS + "=" + String.join("|", args)
                + ";await-file:" + args[0]);
        session.running().toCompletableFuture().get(60, TimeUnit.SECONDS);
        System.out.println("SESSION_CHILD=" + ((PooledSession) session).processId());
        System.out.flush();
        SessionOutcome outcome = session.outcome().toCompletableFuture().get(120, TimeUnit.SECONDS);
        System.out.println("OUTCOME=" + outcome.label() + (outcome instanceof SessionOutcome.Failed f ? ": " + f.error() : ""));
        System.out.flush();
        pool.close();
    }
}
