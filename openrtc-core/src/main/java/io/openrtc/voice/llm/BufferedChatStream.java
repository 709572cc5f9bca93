package io.openrtc.voice.llm;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ChatStream} that a model adapter fills from its own thread or callbacks (a reactive
 * stream's subscriber, say), and that tells the adapter when the reader gave up so the request can
 * be cancelled.
 */
public final class BufferedChatStream implements ChatStream {

    private final Runnable onClose;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ChatDelta> deltas = new ArrayDeque<>();
    private boolean complete;
    private boolean closed;
    private Exception failure;

    /** @param onClose cancels the model's request; runs once, when the reader closes before the end */
    public BufferedChatStream(Runnable onClose) {
        this.onClose = Objects.requireNonNull(onClose, "onClose");
    }

    /** The model's next piece. Ignored once the stream is closed, complete or failed. */
    public void offer(ChatDelta delta) {
        lock.lock();
        try {
            if (!closed && !complete && failure == null) {
                deltas.add(Objects.requireNonNull(delta, "delta"));
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The model finished. */
    public void complete() {
        lock.lock();
        try {
            complete = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The model failed. */
    public void fail(Exception error) {
        lock.lock();
        try {
            if (failure == null) {
                failure = Objects.requireNonNull(error, "error");
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ChatDelta next(Duration timeout) throws Exception {
        long nanos = timeout.toNanos();
        lock.lockInterruptibly();
        try {
            while (true) {
                ChatDelta next = deltas.poll();
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
                    throw new TimeoutException("no answer within " + timeout.toMillis() + " ms");
                }
                nanos = changed.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        boolean cancel;
        lock.lock();
        try {
            cancel = !closed && !complete && failure == null;
            closed = true;
            deltas.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (cancel) {
            onClose.run();
        }
    }
}
