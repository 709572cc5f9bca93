package io.openrtc.cost;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures what each session costs, from JFR events streamed in this JVM.
 *
 * <p><b>CPU.</b> {@code ThreadMXBean} knows nothing of virtual threads, but JFR's execution
 * sampler ({@code jdk.ExecutionSample}, every {@link CostOptions#samplingPeriod}) names the
 * virtual thread it caught running Java code. Each sample goes to the session its thread worked
 * for at that instant ({@link SessionThreads}), or to the unattributed rest. The JVM's CPU time
 * ({@code OperatingSystemMXBean.getProcessCpuTime}) is read at each JFR flush (about once a
 * second), and the CPU between two readings is shared out in proportion to the samples taken
 * between them ({@link CpuTimeline}): a session with 30 of that second's 100 samples is charged
 * 30% of it, but no more than its samples times the period (the time its threads were seen in
 * Java), unless the sampler was saturated. The figures lag by about 3 s, the time for a second's
 * samples to arrive. Sharing the process's own
 * measured CPU rather than counting samples times the period keeps the total exact (the figures
 * add up to the JVM's CPU) and is not inflated on a busy machine, where a thread that is in Java
 * but waiting for a core is still sampled. CPU that is no Java thread's (GC, JIT) is left
 * unattributed by the cap.
 *
 * <p><b>Allocation.</b> {@code jdk.ObjectAllocationSample} (throttled to
 * {@link CostOptions#allocationSamplesPerSecond}) carries a weight, the bytes its thread
 * allocated since its previous sample; weights add up to the allocated bytes.
 *
 * <p><b>Child JVMs</b> (process isolation) are measured by their own CPU time
 * ({@code ProcessHandle.Info.totalCpuDuration}, /proc on Linux), read at each flush; their
 * allocation is not seen.
 */
public final class CostMonitor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CostMonitor.class);
    private static final String EXECUTION = "jdk.ExecutionSample";
    private static final String ALLOCATION = "jdk.ObjectAllocationSample";
    /** Bindings are kept this long after they end: JFR hands events over a second or more later. */
    private static final long BINDING_RETENTION_NANOS = Duration.ofSeconds(20).toNanos();
    /**
     * How long after an interval ended it is shared out: JFR writes its buffers about once a
     * second and the stream reads them about a second later. CPU figures lag by about this much.
     */
    /** JFR's execution sampler takes at most 5 Java threads per period; near that it is saturated. */
    private static final double SATURATED_SAMPLES_PER_PERIOD = 4.5;
    private static final long SETTLE_NANOS = Duration.ofSeconds(3).toNanos();

    private final CostOptions options;
    private final UnaryOperator<String> tenantTag;
    private final long windowNanos;
    private final long periodNanos;
    private final Map<String, Account> sessions = new ConcurrentHashMap<>();
    private final Map<String, Account> agents = new ConcurrentHashMap<>();
    private final Map<String, Account> tenants = new ConcurrentHashMap<>();
    private final Map<String, Account> agentTenants = new ConcurrentHashMap<>();
    private final Account unattributed = new Account("unattributed", "", "");
    private final Account process = new Account("process", "", "");
    private final Map<Long, Long> childCpuNanos = new HashMap<>();
    /** The JVM's CPU readings and the samples between them; the consumer thread's only. */
    private @Nullable CpuTimeline timeline;
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final ThreadMXBean threadBean = ManagementFactory.getThreadMXBean();
    private volatile @Nullable RecordingStream stream;
    private volatile long consumerThreadId = -1;
    private volatile boolean closed;
    private volatile long flushes;
    private volatile long settledUntil;
    /** How far JFR's event times are ahead of the wall clock (consumer thread only). */
    private long skewNanos;
    private boolean skewKnown;

    /**
     * @param options   how to sample
     * @param tenantTag a tenant's meter tag (its id when listed, else {@code other}), so that the
     *                  per-tenant totals stay bounded whatever ids jobs bring
     */
    public CostMonitor(CostOptions options, UnaryOperator<String> tenantTag) {
        this.options = Objects.requireNonNull(options, "options");
        this.tenantTag = Objects.requireNonNull(tenantTag, "tenantTag");
        this.windowNanos = options.window().toNanos();
        this.periodNanos = options.samplingPeriod().toNanos();
    }

    /** Starts the JFR stream; idempotent. */
    public synchronized void start() {
        if (stream != null || closed) {
            return;
        }
        SessionThreads.track(true);
        RecordingStream rs = new RecordingStream();
        rs.enable(EXECUTION).withPeriod(options.samplingPeriod());
        rs.enable(ALLOCATION).with("throttle", options.allocationSamplesPerSecond() + "/s");
        rs.setMaxAge(Duration.ofSeconds(10));
        rs.onEvent(EXECUTION, this::executionSample);
        rs.onEvent(ALLOCATION, this::allocationSample);
        rs.enable(ClockMark.class);
        rs.onEvent("io.openrtc.cost.ClockMark", this::clockMark);
        rs.onFlush(this::flush);
        rs.onError(e -> log.warn("The cost monitor's JFR stream failed", e));
        timeline = new CpuTimeline(SessionThreads.now(), os.getProcessCpuTime());
        rs.startAsync();
        stream = rs;
        log.info("Cost monitor started: JFR execution samples every {} ms, {} allocation samples/s",
                options.samplingPeriod().toMillis(), options.allocationSamplesPerSecond());
    }

    /** The options it samples with. */
    public CostOptions options() {
        return options;
    }

    private void executionSample(RecordedEvent event) {
        consumer();
        RecordedThread thread = event.getThread("sampledThread");
        long at = wallTime(event);
        SessionKey key = thread == null ? null : SessionThreads.at(thread.getJavaThreadId(), at);
        timeline().sample(key, at);
    }

    private void allocationSample(RecordedEvent event) {
        consumer();
        long weight = event.getLong("weight");
        RecordedThread thread = event.getThread();
        SessionKey key = thread == null ? null : SessionThreads.at(thread.getJavaThreadId(), wallTime(event));
        process.addBytes(weight);
        if (key == null) {
            unattributed.addBytes(weight);
        } else {
            for (Account account : accounts(key)) {
                account.addBytes(weight);
            }
        }
    }

    private CpuTimeline timeline() {
        return Objects.requireNonNull(timeline, "started");
    }

    private void clockMark(RecordedEvent event) {
        long measured = SessionThreads.epochNanos(event.getStartTime()) - event.getLong("epochNanos");
        // The first mark sets it; later ones move it slowly, one odd mark does not.
        skewNanos = skewKnown ? skewNanos + (measured - skewNanos) / 4 : measured;
        skewKnown = true;
    }

    /** A JFR event time on the wall clock of {@link SessionThreads}. */
    private long wallTime(RecordedEvent event) {
        return SessionThreads.epochNanos(event.getStartTime()) - skewNanos;
    }

    private void consumer() {
        if (consumerThreadId < 0) {
            consumerThreadId = Thread.currentThread().threadId();
        }
    }

    /**
     * Reads the JVM's CPU, shares out the intervals whose samples are all in, then marks the
     * rates.
     */
    private void flush() {
        consumer();
        ClockMark mark = new ClockMark();
        mark.epochNanos = SessionThreads.now();
        mark.commit();
        long wall = System.nanoTime();
        timeline().reading(SessionThreads.now(), os.getProcessCpuTime());
        for (CpuTimeline.Interval interval : timeline().settle(SessionThreads.now() - SETTLE_NANOS)) {
            settledUntil = interval.end;
            long cpu = interval.cpu();
            long total = interval.total();
            process.addCpu(cpu, total, wall);
            if (total == 0) {
                unattributed.addCpu(cpu, 0, wall);
                continue;
            }
            // A sample stands for at most one period the thread was seen in Java, unless the sampler
            // was saturated (it takes at most 5 Java threads per period): the JVM's CPU that is no
            // Java thread's (GC, JIT) then stays unattributed instead of swelling the sessions
            // that happened to be the only ones sampled.
            double ticks = Math.max(1, (double) (interval.end - interval.start) / periodNanos);
            boolean saturated = total / ticks >= SATURATED_SAMPLES_PER_PERIOD;
            double[] charged = {0};
            interval.samples.forEach((key, count) -> {
                double share = (double) cpu * count[0] / total;
                if (!saturated) {
                    share = Math.min(share, (double) count[0] * periodNanos);
                }
                charged[0] += share;
                for (Account account : accounts(key)) {
                    account.addCpu(share, count[0], wall);
                }
            });
            unattributed.addCpu(Math.max(0, cpu - charged[0]), interval.unattributed, wall);
        }
        childProcesses(wall);
        process.mark(wall, windowNanos);
        unattributed.mark(wall, windowNanos);
        for (Map<String, Account> group : List.of(sessions, agents, tenants, agentTenants)) {
            group.values().forEach(a -> a.mark(wall, windowNanos));
        }
        forgetEndedSessions(wall);
        SessionThreads.prune(SessionThreads.now() - BINDING_RETENTION_NANOS);
        flushes++;
    }

    /**
     * The JVM's CPU up to this instant has been shared out: samples taken before it are in the
     * figures (the epoch before the first interval is settled).
     */
    public Instant settledUntil() {
        long nanos = settledUntil;
        return Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L);
    }

    /** How many JFR flushes (about one a second) the monitor has accounted so far. */
    public long flushes() {
        return flushes;
    }

    private void childProcesses(long wall) {
        Map<Long, SessionThreads.Child> children = SessionThreads.processes();
        childCpuNanos.keySet().retainAll(children.keySet());
        children.forEach((pid, child) -> ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).ifPresent(total -> {
            long now = total.toNanos();
            Long before = childCpuNanos.put(pid, now);
            long delta = Math.max(0, now - (before == null ? child.cpuNanosAtStart() : before));
            for (Account account : accounts(child.key())) {
                account.addCpu(delta, 0, wall);
            }
        }));
    }

    /**
     * Every running session has an account (one that was never sampled costs 0); sessions no
     * thread works for any more are dropped once their window has passed.
     */
    private void forgetEndedSessions(long wall) {
        Map<String, SessionKey> open = SessionThreads.openSessions();
        open.forEach((job, key) -> sessions.computeIfAbsent(job, id -> new Account(id, key.agent(), key.tenant())));
        Set<String> children = new java.util.HashSet<>();
        SessionThreads.processes().values().forEach(c -> children.add(c.key().jobId()));
        sessions.values().removeIf(a -> !open.containsKey(a.name) && !children.contains(a.name)
                && wall - a.lastActiveNanos() > windowNanos);
    }

    /** The session's own account and those of its agent, tenant and agent-tenant pair. */
    private List<Account> accounts(SessionKey key) {
        String tag = tenantTag.apply(key.tenant());
        return List.of(
                sessions.computeIfAbsent(key.jobId(), id -> new Account(id, key.agent(), key.tenant())),
                agents.computeIfAbsent(key.agent(), a -> new Account(a, a, "")),
                tenants.computeIfAbsent(tag, t -> new Account(t, "", t)),
                agentTenants.computeIfAbsent(key.agent() + '\u0000' + tag, k -> new Account(k, key.agent(), tag)));
    }

    /** What sessions, agents and tenants cost now. */
    public CostSnapshot snapshot() {
        List<CostSnapshot.Cost> bySession = costs(sessions);
        return new CostSnapshot(Instant.now(), options.samplingPeriod(), options.window(), process.cost().cpuCores(),
                bySession, costs(agents), costs(tenants), unattributed.cost(), monitorCpu());
    }

    /**
     * CPU seconds so far of {@code agent}'s sessions of tenant tag {@code tenantTag} (0 before any),
     * for a counter.
     */
    public double cpuSeconds(String agent, String tenantTag) {
        Account account = agentTenants.get(agent + '\u0000' + tenantTag);
        return account == null ? 0 : account.cost().cpuSeconds();
    }

    /** Bytes allocated so far by {@code agent}'s sessions of tenant tag {@code tenantTag}, for a counter. */
    public double allocatedBytes(String agent, String tenantTag) {
        Account account = agentTenants.get(agent + '\u0000' + tenantTag);
        return account == null ? 0 : account.cost().allocatedBytes();
    }

    /** CPU time of the monitor's JFR consumer thread so far (zero before its first event). */
    public Duration monitorCpu() {
        long id = consumerThreadId;
        long nanos = id < 0 ? 0 : threadBean.getThreadCpuTime(id);
        return Duration.ofNanos(Math.max(0, nanos));
    }

    private static List<CostSnapshot.Cost> costs(Map<String, Account> accounts) {
        List<CostSnapshot.Cost> costs = new ArrayList<>();
        accounts.values().forEach(a -> costs.add(a.cost()));
        costs.sort(Comparator.comparingDouble(CostSnapshot.Cost::cpuSeconds).reversed());
        return List.copyOf(costs);
    }

    /** Stops the stream. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RecordingStream rs = stream;
        stream = null;
        if (rs != null) {
            rs.close();
            SessionThreads.track(false);
        }
    }
}
