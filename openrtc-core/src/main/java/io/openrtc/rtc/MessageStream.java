package io.openrtc.rtc;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The messages of one topic as a blocking stream, for straight-line session code:
 * <pre>{@code
 * for (TextMessage m : room.texts("lk.chat")) {      // blocks until the next message
 *     room.sendText("lk.chat", answer(m.text()));
 * }                                                   // ends when the room closes
 * }</pre>
 * It receives what arrives after it was opened, plus messages of its topic that arrived while
 * nothing read that topic (the room keeps a few for a reader that opens late). Every open stream
 * of a topic gets every message. It holds up to a bound ({@link RoomOptions#messageBuffer()}); a
 * reader that falls further behind loses the oldest messages, counted by {@link #droppedMessages()}.
 *
 * <p>The stream ends when the room closes or when {@link #close()} is called: then
 * {@link #next()} returns {@code null} and iteration stops. Iteration also stops when the reading
 * thread is interrupted (the interrupt flag stays set), which is how a session's {@code end()}
 * releases an agent blocked here. Close a stream you stop reading early (try-with-resources), or
 * it keeps taking messages that then nobody reads.
 *
 * @param <T> {@link TextMessage}, {@link ByteStreamMessage} or {@link DataMessage}
 */
public final class MessageStream<T> implements Iterable<T>, AutoCloseable {

    private static final Object END = new Object();

    private final String topic;
    private final int capacity;
    private final LinkedBlockingDeque<Object> queue = new LinkedBlockingDeque<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedTotal;
    private final Runnable onClose;
    private volatile boolean ended;
    private volatile boolean sawEnd;

    MessageStream(String topic, int capacity, AtomicLong droppedTotal, Runnable onClose) {
        this.topic = topic;
        this.capacity = capacity;
        this.droppedTotal = droppedTotal;
        this.onClose = onClose;
    }

    /** The topic this stream reads. */
    public String topic() {
        return topic;
    }

    /**
     * The next message, waiting as long as it takes.
     *
     * @return the message, or {@code null} when the stream has ended (room closed, stream closed)
     */
    public T next() throws InterruptedException {
        if (sawEnd && queue.isEmpty()) {
            return null;
        }
        return unwrap(queue.take());
    }

    /**
     * The next message, waiting at most {@code timeout}.
     *
     * @return the message, or {@code null} when none came in time or the stream has ended
     */
    public T poll(Duration timeout) throws InterruptedException {
        if (sawEnd && queue.isEmpty()) {
            return null;
        }
        Object item = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        return item == null ? null : unwrap(item);
    }

    /** Whether the stream has ended and everything in it was read. */
    public boolean isEnded() {
        return ended && (queue.isEmpty() || queue.peekFirst() == END);
    }

    /** Messages this stream dropped because its reader was too slow. */
    public long droppedMessages() {
        return dropped.get();
    }

    /** Stops receiving; a reader blocked in {@link #next()} gets {@code null}. Idempotent. */
    @Override
    public void close() {
        onClose.run();
        end();
    }

    /**
     * Iterates until the stream ends. {@code hasNext()} blocks; when the thread is interrupted it
     * returns false and keeps the interrupt flag set.
     */
    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            private T next;

            @Override
            public boolean hasNext() {
                if (next != null) {
                    return true;
                }
                try {
                    next = MessageStream.this.next();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                return next != null;
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("the stream of topic '" + topic + "' has ended");
                }
                T result = next;
                next = null;
                return result;
            }
        };
    }

    @Override
    public String toString() {
        return "MessageStream[" + topic + (ended ? ", ended" : "") + "]";
    }

    /** Adds a message, dropping the oldest when the reader is more than the capacity behind. */
    void offer(T message) {
        if (ended) {
            return;
        }
        while (queue.size() >= capacity) {
            if (queue.pollFirst() != null) {
                dropped.incrementAndGet();
                droppedTotal.incrementAndGet();
            }
        }
        queue.offerLast(message);
    }

    /** Ends the stream: what is queued can still be read, then {@code null}. */
    void end() {
        if (!ended) {
            ended = true;
            queue.offerLast(END);
        }
    }

    @SuppressWarnings("unchecked")
    private T unwrap(Object item) {
        if (item == END) {
            sawEnd = true;
            queue.offerFirst(END); // every later read sees the end too
            return null;
        }
        return (T) item;
    }
}
