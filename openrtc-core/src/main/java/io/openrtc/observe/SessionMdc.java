package io.openrtc.observe;

import io.openrtc.cost.SessionThreads;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import org.slf4j.MDC;

/**
 * The log context of a session: while a session runs, its thread's SLF4J {@link MDC} holds
 * {@value #TENANT}, {@value #AGENT} and {@value #JOB}, and the threads the session starts (its
 * voice, its tools, its room's) carry them too, so that a log pattern with
 * {@code %X{tenant}} tells whose call a line belongs to. In process isolation the child JVM's
 * session thread has the same keys.
 */
public final class SessionMdc {

    /** The key of the session's tenant. */
    public static final String TENANT = "tenant";
    /** The key of the agent serving the session. */
    public static final String AGENT = "agent";
    /** The key of the session's LiveKit job id. */
    public static final String JOB = "job";

    private SessionMdc() {
    }

    /** The MDC entries of a session of {@code tenant} served by {@code agent} for {@code jobId}. */
    public static Map<String, String> of(String jobId, String agent, String tenant) {
        return Map.of(JOB, jobId, AGENT, agent, TENANT, tenant);
    }

    /**
     * Runs {@code task} with {@code context} in the current thread's MDC (on top of what is there),
     * and puts the MDC back as it was afterwards.
     */
    public static void runWith(Map<String, String> context, Runnable task) {
        Map<String, String> before = MDC.getCopyOfContextMap();
        context.forEach(MDC::put);
        // The same place binds the thread to its session for the cost monitor (when one runs):
        // every thread a session starts goes through here.
        SessionThreads.Entered entered = SessionThreads.enter(context);
        try {
            task.run();
        } finally {
            SessionThreads.exit(entered);
            restore(before);
        }
    }

    /**
     * {@code task}, to run on another thread with the MDC the calling thread has now; {@code task}
     * itself when that is empty.
     */
    public static Runnable propagate(Runnable task) {
        Map<String, String> context = MDC.getCopyOfContextMap();
        if (context == null || context.isEmpty()) {
            return task;
        }
        return () -> runWith(context, task);
    }

    /** {@code factory}, whose threads start with the MDC the calling thread has now. */
    public static ThreadFactory propagate(ThreadFactory factory) {
        Map<String, String> context = MDC.getCopyOfContextMap();
        if (context == null || context.isEmpty()) {
            return factory;
        }
        return task -> factory.newThread(() -> runWith(context, task));
    }

    private static void restore(Map<String, String> before) {
        if (before == null || before.isEmpty()) {
            MDC.clear();
        } else {
            MDC.setContextMap(before);
        }
    }
}
