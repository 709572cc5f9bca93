package io.openrtc.cost;

import io.openrtc.observe.SessionMdc;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Which session each thread works for, and when: the JVM-wide registry {@link CostMonitor}
 * attributes JFR samples with. A session's thread, and every thread it starts, runs its work
 * inside {@link SessionMdc#runWith} with the session's log context; that is where a thread is
 * bound to the session ({@link #enter}) and unbound ({@link #exit}). Bindings are kept, with their
 * times, for a while after they end, because JFR delivers a sample a second or so after it was
 * taken, when a pooled thread may already work for another session.
 *
 * <p>Child JVMs of process isolation are registered by process id ({@link #processStarted}).
 *
 * <p>Nothing is recorded while no monitor runs ({@link #track}): the cost of an {@code enter} is
 * then one volatile read.
 */
public final class SessionThreads {

    /** A thread's work for one session from {@code from} until {@code until} (epoch nanoseconds). */
    private static final class Binding {
        final SessionKey key;
        final long from;
        volatile long until = Long.MAX_VALUE;

        Binding(SessionKey key, long from) {
            this.key = key;
            this.from = from;
        }
    }

    /** A token {@link #enter} returns and {@link #exit} takes. */
    public static final class Entered {
        private final long threadId;
        private final Binding binding;

        private Entered(long threadId, Binding binding) {
            this.threadId = threadId;
            this.binding = binding;
        }
    }

    private static final AtomicInteger monitors = new AtomicInteger();
    private static volatile boolean tracking;
    private static final Map<Long, List<Binding>> threads = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
    private static final Map<Long, SessionKey> processes = new ConcurrentHashMap<>();

    private SessionThreads() {
    }

    /** A monitor starts ({@code true}) or stops ({@code false}) needing the bindings. */
    static void track(boolean on) {
        tracking = on ? monitors.incrementAndGet() > 0 : monitors.decrementAndGet() > 0;
        if (!tracking) {
            threads.clear();
            open.clear();
        }
    }

    /**
     * Binds the current thread to the session {@code context} (a {@link SessionMdc} map) names;
     * null, binding nothing, when it names none or no monitor runs.
     */
    public static @Nullable Entered enter(Map<String, String> context) {
        if (!tracking) {
            return null;
        }
        String job = context.get(SessionMdc.JOB);
        if (job == null) {
            return null;
        }
        SessionKey key = new SessionKey(job, context.getOrDefault(SessionMdc.AGENT, ""),
                context.getOrDefault(SessionMdc.TENANT, ""));
        long threadId = Thread.currentThread().threadId();
        Binding binding = new Binding(key, now());
        // compute, not computeIfAbsent and add: prune may drop an empty history at the same time.
        threads.compute(threadId, (id, history) -> {
            List<Binding> h = history == null ? new ArrayList<>() : history;
            synchronized (h) {
                h.add(binding);
            }
            return h;
        });
        open.computeIfAbsent(job, j -> new AtomicInteger()).incrementAndGet();
        return new Entered(threadId, binding);
    }

    /** Ends what {@link #enter} began; nothing for null. */
    public static void exit(@Nullable Entered entered) {
        if (entered == null) {
            return;
        }
        entered.binding.until = now();
        AtomicInteger count = open.get(entered.binding.key.jobId());
        if (count != null && count.decrementAndGet() <= 0) {
            open.remove(entered.binding.key.jobId(), count);
        }
    }

    /** The child JVM {@code pid} serves the session {@code key} (process isolation). */
    public static void processStarted(SessionKey key, long pid) {
        processes.put(pid, key);
    }

    /** The child JVM {@code pid} no longer serves a session. */
    public static void processEnded(long pid) {
        processes.remove(pid);
    }

    /** The session thread {@code threadId} worked for at {@code epochNanos}, or null. */
    static @Nullable SessionKey at(long threadId, long epochNanos) {
        List<Binding> history = threads.get(threadId);
        if (history == null) {
            return null;
        }
        synchronized (history) {
            // Latest first: a nested binding (a session's task inside its own thread) wins.
            for (int i = history.size() - 1; i >= 0; i--) {
                Binding b = history.get(i);
                if (b.from <= epochNanos && epochNanos < b.until) {
                    return b.key;
                }
            }
        }
        return null;
    }

    /** The job ids some thread works for right now. */
    static Set<String> openJobs() {
        return Set.copyOf(open.keySet());
    }

    /** The child JVMs serving sessions, by process id. */
    static Map<Long, SessionKey> processes() {
        return Map.copyOf(processes);
    }

    /** Forgets bindings that ended before {@code epochNanos}. */
    static void prune(long epochNanos) {
        for (Long threadId : threads.keySet()) {
            threads.computeIfPresent(threadId, (id, history) -> {
                synchronized (history) {
                    history.removeIf(b -> b.until < epochNanos);
                    return history.isEmpty() ? null : history;
                }
            });
        }
    }

    /** Now, in nanoseconds since the epoch: the clock JFR's event times are given in. */
    static long now() {
        return epochNanos(Instant.now());
    }

    static long epochNanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
