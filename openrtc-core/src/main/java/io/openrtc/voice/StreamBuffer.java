package io.openrtc.voice;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a provider adapter produces on its own thread or callbacks (a reactive subscriber, say),
 * held until the voice pipeline reads it, and the way back: the reader closing early cancels the
 * provider's request. The one hand-over behind the buffered chat and speech streams.
 *
 * @param <T> a piece of the provider's answer
 */
public final class StreamBuffer<T> {

    private final boolean failureFirst;
    private final Runnable onCancel;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<T> items = new ArrayDeque<>();
    private boolean complete;
    private boolean closed;
    private Exception failure;

    /**
     * @param failureFirst whether a failure is reported before the pieces still unread (audio after
     *                     a failure is not worth playing) or after them (text that came is kept)
     * @param onCancel     cancels the provider's request; runs once, when the reader closes before the end
     */
    public StreamBuffer(boolean failureFirst, Runnable onCancel) {
        this.failureFirst = failureFirst;
        this.onCancel = Objects.requireNonNull(onCancel, "onCancel");
    }

    /** Adds the provider's next piece; false (and ignored) once the stream is closed, complete or failed. */
    public boolean offer(T item) {
        Objects.requireNonNull(item, "item");
        lock.lock();
        try {
            if (closed || complete || failure != null) {
                return false;
            }
            items.add(item);
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The provider finished. */
    public void complete() {
        lock.lock();
        try {
            complete = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The provider failed; the first failure is the one the reader gets. */
    public void fail(Exception error) {
        Objects.requireNonNull(error, "error");
        lock.lock();
        try {
            if (failure == null) {
                failure = error;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the provider said it finished. */
    public boolean isComplete() {
        lock.lock();
        try {
            return complete;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next piece, waiting at most {@code timeout}; null at the end (complete, or closed).
     *
     * @param what what the reader waits for, for the timeout's message ("answer", "audio")
     * @throws TimeoutException when nothing came in time
     * @throws Exception        the provider's failure
     */
    public T next(Duration timeout, String what) throws Exception {
        long nanos = timeout.toNanos();
        lock.lockInterruptibly();
        try {
            while (true) {
                if (failureFirst && failure != null) {
                    throw failure;
                }
                T next = items.poll();
                if (next != null) {
                    return next;
                }
                if (failure != null) {
                    throw failure;
                }
                if (complete || closed) {
                    return null;
                }
                if (nanos <= 0) {
                    throw new TimeoutException("no " + what + " within " + timeout.toMillis() + " ms");
                }
                nanos = changed.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The reader is done: drops what is unread and, before the end, cancels the provider's request. */
    public void close() {
        boolean cancel;
        lock.lock();
        try {
            cancel = !closed && !complete && failure == null;
            closed = true;
            items.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (cancel) {
            onCancel.run();
        }
    }
}
