package io.openrtc.rtc;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One platform thread that, every 10 ms of wall clock, asks every published audio track of the JVM
 * to push one frame into webrtc. libwebrtc expects exactly one 10 ms frame per 10 ms; a writer
 * that is faster than real time is held back by its track's bounded queue, not by this thread.
 *
 * <p>Ticks follow an absolute schedule (start + n x 10 ms), so short delays are caught up without
 * drift. When the thread falls more than {@link #MAX_CATCH_UP_NANOS} behind (a stalled machine),
 * it skips the missed ticks instead of bursting audio, and counts them.
 */
final class AudioPacer implements AutoCloseable {

    /** Something pushed every tick. {@link #tick()} must be quick and must not block. */
    interface Paced {
        void tick();
    }

    private static final Logger log = LoggerFactory.getLogger(AudioPacer.class);
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long MAX_CATCH_UP_NANOS = TimeUnit.MILLISECONDS.toNanos(60);

    private final CopyOnWriteArrayList<Paced> paced = new CopyOnWriteArrayList<>();
    private final AtomicLong ticks = new AtomicLong();
    private final AtomicLong skippedTicks = new AtomicLong();
    private final AtomicLong slowestTickNanos = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    AudioPacer() {
        thread = Thread.ofPlatform().name("openrtc-audio-pacer").daemon(true).priority(Thread.MAX_PRIORITY)
                .unstarted(this::run);
        thread.start();
    }

    void add(Paced p) {
        paced.addIfAbsent(p);
        LockSupport.unpark(thread);
    }

    void remove(Paced p) {
        paced.remove(p);
    }

    /** Ticks run so far. */
    long ticks() {
        return ticks.get();
    }

    /** Ticks skipped because the thread fell too far behind. */
    long skippedTicks() {
        return skippedTicks.get();
    }

    /** The longest time one tick took to push every track, in nanoseconds. */
    long slowestTickNanos() {
        return slowestTickNanos.get();
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        paced.clear();
    }

    private void run() {
        long next = System.nanoTime();
        while (running) {
            if (paced.isEmpty()) {
                // Idle: sleep until a track is added, then restart the schedule from now.
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
                next = System.nanoTime();
                continue;
            }
            next += TICK_NANOS;
            long wait;
            while ((wait = next - System.nanoTime()) > 0 && running) {
                LockSupport.parkNanos(this, wait);
            }
            long behind = -wait;
            if (behind > MAX_CATCH_UP_NANOS) {
                long skipped = behind / TICK_NANOS;
                skippedTicks.addAndGet(skipped);
                next += skipped * TICK_NANOS;
            }
            long started = System.nanoTime();
            for (Paced p : paced) {
                try {
                    p.tick();
                } catch (Throwable t) {
                    log.warn("Pushing audio failed: {}", t.toString());
                }
            }
            ticks.incrementAndGet();
            long took = System.nanoTime() - started;
            slowestTickNanos.accumulateAndGet(took, Math::max);
        }
    }
}
