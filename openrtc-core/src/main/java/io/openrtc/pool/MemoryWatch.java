package io.openrtc.pool;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches this JVM's memory against {@code openrtc.memory.warn} and {@code openrtc.memory.limit}.
 * Measures after every garbage collection (GC notifications) and on a timer, as heap used after
 * GC plus resident memory outside the heap (see {@link MemoryReading#footprint()}). Each
 * watermark fires as soon as memory is above it, once per crossing; it re-arms only when memory
 * has stayed 5 % below it for {@link #REARM_AFTER}, so a value hovering at the line, or a dip of
 * the measure while the heap expands, does not fire it again.
 */
final class MemoryWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MemoryWatch.class);
    static final double REARM_FACTOR = 0.95;
    static final Duration REARM_AFTER = Duration.ofSeconds(5);

    /** What the pool does when a watermark is crossed upwards. */
    interface Listener {
        void crossed(MemoryReading reading, long threshold, boolean limit);
    }

    private final OptionalLong warn;
    private final OptionalLong limit;
    private final Supplier<MemoryReading> probe;
    private final Listener listener;
    private final ScheduledExecutorService timers;
    private final AtomicBoolean checkQueued = new AtomicBoolean();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener onGc = (notification, handback) -> queueCheck();
    private ScheduledFuture<?> periodic;
    private final Mark warnMark = new Mark(false);
    private final Mark limitMark = new Mark(true);
    private volatile boolean overLimit;
    private volatile MemoryReading last;

    MemoryWatch(OptionalLong warn, OptionalLong limit, Supplier<MemoryReading> probe, Listener listener,
            ScheduledExecutorService timers) {
        this.warn = warn;
        this.limit = limit;
        this.probe = probe;
        this.listener = listener;
        this.timers = timers;
    }

    /** Reads this JVM: the heap pools' collection usage, committed heap, and RSS. */
    static MemoryReading readJvm() {
        long afterGc = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.isValid()) {
                MemoryUsage usage = pool.getCollectionUsage();
                if (usage != null) {
                    afterGc += usage.getUsed();
                }
            }
        }
        long committed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
        return new MemoryReading(afterGc, committed, ResidentMemory.ofSelf().orElse(0));
    }

    void start(Duration interval) {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(onGc, null, null);
                emitters.add(emitter);
            }
        }
        periodic = timers.scheduleWithFixedDelay(this::queueCheck, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether memory is above {@code openrtc.memory.limit} now. */
    boolean overLimit() {
        return overLimit;
    }

    /** The latest reading, or null before the first. */
    MemoryReading last() {
        return last;
    }

    private void queueCheck() {
        // GC notifications arrive on a JMX thread and may come in bursts: one check at a time.
        if (checkQueued.compareAndSet(false, true)) {
            try {
                timers.execute(this::check);
            } catch (RuntimeException rejected) { // shutting down
                checkQueued.set(false);
            }
        }
    }

    synchronized void check() {
        checkQueued.set(false);
        MemoryReading reading;
        try {
            reading = probe.get();
        } catch (RuntimeException e) {
            log.warn("Reading memory failed", e);
            return;
        }
        last = reading;
        long now = System.nanoTime();
        warn.ifPresent(threshold -> warnMark.update(reading, threshold, now));
        limit.ifPresent(threshold -> limitMark.update(reading, threshold, now));
        overLimit = limitMark.above;
    }

    /** One watermark's state: above it or not, and since when memory is back below its re-arm level. */
    private final class Mark {
        private final boolean isLimit;
        private boolean above;
        private long belowSince = -1;

        Mark(boolean isLimit) {
            this.isLimit = isLimit;
        }

        void update(MemoryReading reading, long threshold, long now) {
            long used = reading.footprint();
            if (!above) {
                if (used > threshold) {
                    above = true;
                    belowSince = -1;
                    listener.crossed(reading, threshold, isLimit);
                }
                return;
            }
            if (used >= threshold * REARM_FACTOR) {
                belowSince = -1;
            } else if (belowSince < 0) {
                belowSince = now;
            } else if (now - belowSince >= REARM_AFTER.toNanos()) {
                above = false;
                belowSince = -1;
                log.info("Memory is back below openrtc.memory.{} ({}): {}", isLimit ? "limit" : "warn",
                        ResidentMemory.format(threshold), reading);
            }
        }
    }

    @Override
    public void close() {
        if (periodic != null) {
            periodic.cancel(false);
        }
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(onGc);
            } catch (ListenerNotFoundException ignored) {
                // already gone
            }
        }
        emitters.clear();
    }
}
