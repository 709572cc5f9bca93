package io.openrtc.pool;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Lets only a few child JVMs start at once, in the order they asked. A JVM's start is CPU-bound
 * (class loading, JIT, the WebRTC factories); a burst of jobs in process isolation used to start
 * them all together, and on a 2-core machine ten cold starts took 40 s each and starved the
 * children already serving calls until their joins timed out. Started a few at a time, each start
 * gets the CPU it needs and running sessions keep their share.
 */
final class StartGate {

    private static final long STOP_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final int concurrentStarts;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Deque<Object> waiting = new ArrayDeque<>();
    private int starting;

    /** @param concurrentStarts how many JVMs may be starting at once (at least 1) */
    StartGate(int concurrentStarts) {
        if (concurrentStarts < 1) {
            throw new IllegalArgumentException("concurrentStarts must be at least 1, was " + concurrentStarts);
        }
        this.concurrentStarts = concurrentStarts;
    }

    /** One start at a time per two cores, at least one. */
    static StartGate forThisMachine() {
        return new StartGate(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    }

    /**
     * Waits for a turn to start, first come first served; pair with {@link #leave()}.
     *
     * @param stopped checked while waiting: a child stopped before its turn never starts
     * @throws IOException when {@code stopped} turns true (or the thread is interrupted) first
     */
    void enter(BooleanSupplier stopped) throws IOException {
        Object me = new Object();
        lock.lock();
        try {
            waiting.addLast(me);
            try {
                while (true) {
                    if (stopped.getAsBoolean()) {
                        throw new IOException("stopped while waiting for its turn to start");
                    }
                    if (starting < concurrentStarts && waiting.peekFirst() == me) {
                        starting++;
                        return;
                    }
                    changed.awaitNanos(STOP_CHECK_NANOS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for its turn to start");
            } finally {
                waiting.remove(me);
                changed.signalAll(); // the next in line may be first now
            }
        } finally {
            lock.unlock();
        }
    }

    /** Ends a start (ready or failed): the next JVM in line may start. */
    void leave() {
        lock.lock();
        try {
            starting--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** How many starts could begin now (for tests and logs). */
    int available() {
        lock.lock();
        try {
            return concurrentStarts - starting;
        } finally {
            lock.unlock();
        }
    }
}
