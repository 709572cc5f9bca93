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
 * <p>Open bindings are always kept, so that a monitor started while sessions run sees them; ended
 * ones are kept only while a monitor runs ({@link #track}) and dropped at once otherwise. A binding
 * is made once per thread a session starts (and per task it hands to a pool), not per frame.
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

    private static final long CLOCK_TOLERANCE_NANOS = 500_000_000L;
    private static final AtomicInteger monitors = new AtomicInteger();
    private static volatile boolean tracking;
    private static final Map<Long, List<Binding>> threads = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
    private static final Map<String, SessionKey> openKeys = new ConcurrentHashMap<>();
    private static final Map<Long, Child> processes = new ConcurrentHashMap<>();

    /**
     * A child JVM serving a session, with its CPU time when it was handed the session (its boot
     * and a prewarmed wait are not the session's).
     */
    record Child(SessionKey key, long cpuNanosAtStart) {
    }

    private SessionThreads() {
    }

    /** A monitor starts ({@code true}) or stops ({@code false}) needing the bindings. */
    static void track(boolean on) {
        tracking = on ? monitors.incrementAndGet() > 0 : monitors.decrementAndGet() > 0;
        if (!tracking) {
            prune(Long.MAX_VALUE - 1); // the ended bindings; open ones stay
        }
    }

    /**
     * Binds the current thread to the session {@code context} (a {@link SessionMdc} map) names;
     * null, binding nothing, when it names none.
     */
    public static @Nullable Entered enter(Map<String, String> context) {
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
        openKeys.put(job, key);
        return new Entered(threadId, binding);
    }

    /** Ends what {@link #enter} began; nothing for null. */
    public static void exit(@Nullable Entered entered) {
        if (entered == null) {
            return;
        }
        entered.binding.until = now();
        if (!tracking) {
            // No monitor will ask about this past binding.
            threads.computeIfPresent(entered.threadId, (id, history) -> {
                synchronized (history) {
                    history.remove(entered.binding);
                    return history.isEmpty() ? null : history;
                }
            });
        }
        AtomicInteger count = open.get(entered.binding.key.jobId());
        if (count != null && count.decrementAndGet() <= 0 && open.remove(entered.binding.key.jobId(), count)) {
            openKeys.remove(entered.binding.key.jobId());
        }
    }

    /** The child JVM {@code pid} serves the session {@code key} (process isolation). */
    public static void processStarted(SessionKey key, long pid) {
        long cpu = ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).map(java.time.Duration::toNanos).orElse(0L);
        processes.put(pid, new Child(key, cpu));
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
            // JFR's event times come from its own tick clock and may be off the wall clock by
            // some milliseconds: a sample just outside the thread's only binding (a virtual thread
            // works for one session in its life) is still that session's.
            Binding nearest = null;
            long distance = CLOCK_TOLERANCE_NANOS;
            for (Binding b : history) {
                long d = epochNanos < b.from ? b.from - epochNanos : epochNanos - b.until;
                if (d >= 0 && d <= distance) {
                    nearest = b;
                    distance = d;
                }
            }
            return nearest == null ? null : nearest.key;
        }
    }

    /** The sessions some thread works for right now, by job id. */
    static Map<String, SessionKey> openSessions() {
        return Map.copyOf(openKeys);
    }

    /** The child JVMs serving sessions, by process id. */
    static Map<Long, Child> processes() {
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
