package io.openrtc.rtc;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * Hands received messages of one kind to the {@link MessageStream}s open on their topic. A
 * message whose topic nobody reads waits in a small backlog (oldest dropped and counted) for a
 * stream opened later: a session typically opens its readers a moment after the room joined, or
 * between two conversations. The backlog is bounded in messages and in bytes, so a peer sending
 * large streams on a topic nobody reads cannot fill memory. Thread-safe; never blocks.
 */
final class TopicRouter<T> {

    private record Waiting<T>(String topic, T message, long bytes) {
    }

    private final String kind;
    private final int streamCapacity;
    private final int backlogCapacity;
    private final long backlogBytes;
    private final ToLongFunction<T> weigher;
    private final AtomicLong dropped;
    private final java.util.function.Consumer<String> droppedUnread;
    private final Map<String, List<MessageStream<T>>> streams = new LinkedHashMap<>();
    private final ArrayDeque<Waiting<T>> backlog = new ArrayDeque<>();
    private long backlogWeight;
    private boolean ended;

    /**
     * @param kind            what the messages are, for toString
     * @param streamCapacity  how many messages each stream holds for a slow reader
     * @param backlogCapacity how many unread messages wait for a reader
     * @param backlogBytes    how many bytes of unread messages wait for a reader, at most
     * @param weigher         the size of a message in bytes
     * @param dropped         counts messages dropped (slow readers, backlog overflow)
     */
    TopicRouter(String kind, int streamCapacity, int backlogCapacity, long backlogBytes, ToLongFunction<T> weigher,
            AtomicLong dropped) {
        this(kind, streamCapacity, backlogCapacity, backlogBytes, weigher, dropped, topic -> { });
    }

    /**
     * Like the other constructor; {@code droppedUnread} is told the topic of every message dropped
     * because nobody read its topic (the backlog overflowed, or it alone was larger), so that the
     * room can warn about a peer flooding a topic nobody reads. Called under this router's lock:
     * it must not block.
     */
    TopicRouter(String kind, int streamCapacity, int backlogCapacity, long backlogBytes, ToLongFunction<T> weigher,
            AtomicLong dropped, java.util.function.Consumer<String> droppedUnread) {
        this.droppedUnread = droppedUnread;
        this.kind = kind;
        this.streamCapacity = streamCapacity;
        this.backlogCapacity = backlogCapacity;
        this.backlogBytes = backlogBytes;
        this.weigher = weigher;
        this.dropped = dropped;
    }

    /** Opens a stream on {@code topic}, first filled with the backlog's messages of that topic. */
    synchronized MessageStream<T> open(String topic) {
        MessageStream<T>[] holder = newHolder();
        MessageStream<T> stream = new MessageStream<>(topic, streamCapacity, dropped, () -> remove(topic, holder[0]));
        holder[0] = stream;
        if (ended) {
            stream.end();
            return stream;
        }
        for (Iterator<Waiting<T>> it = backlog.iterator(); it.hasNext(); ) {
            Waiting<T> waiting = it.next();
            if (waiting.topic().equals(topic)) {
                stream.offer(waiting.message());
                backlogWeight -= waiting.bytes();
                it.remove();
            }
        }
        streams.computeIfAbsent(topic, t -> new ArrayList<>()).add(stream);
        return stream;
    }

    /** Delivers a message to every stream of its topic, or keeps it in the backlog. */
    synchronized void deliver(String topic, T message) {
        if (ended) {
            return;
        }
        List<MessageStream<T>> readers = streams.get(topic);
        if (readers != null && !readers.isEmpty()) {
            for (MessageStream<T> stream : readers) {
                stream.offer(message);
            }
            return;
        }
        long bytes = weigher.applyAsLong(message);
        if (backlogCapacity == 0 || bytes > backlogBytes) {
            dropped.incrementAndGet();
            droppedUnread.accept(topic);
            return;
        }
        while (backlog.size() >= backlogCapacity || backlogWeight + bytes > backlogBytes) {
            Waiting<T> oldest = backlog.pollFirst();
            backlogWeight -= oldest.bytes();
            dropped.incrementAndGet();
            droppedUnread.accept(oldest.topic());
        }
        backlog.addLast(new Waiting<>(topic, message, bytes));
        backlogWeight += bytes;
    }

    /** Whether a stream is open on {@code topic}. */
    synchronized boolean hasReader(String topic) {
        List<MessageStream<T>> readers = streams.get(topic);
        return readers != null && !readers.isEmpty();
    }

    /** How many messages wait in the backlog. */
    synchronized int backlogSize() {
        return backlog.size();
    }

    /** Ends every stream (the room closed); streams opened later are ended at once. */
    synchronized void endAll() {
        ended = true;
        backlog.clear();
        backlogWeight = 0;
        for (List<MessageStream<T>> list : streams.values()) {
            for (MessageStream<T> stream : list) {
                stream.end();
            }
        }
        streams.clear();
    }

    private synchronized void remove(String topic, MessageStream<T> stream) {
        List<MessageStream<T>> list = streams.get(topic);
        if (list != null) {
            list.remove(stream);
            if (list.isEmpty()) {
                streams.remove(topic);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> MessageStream<T>[] newHolder() {
        return (MessageStream<T>[]) new MessageStream<?>[1];
    }

    @Override
    public synchronized String toString() {
        return "TopicRouter[" + kind + ", topics " + streams.keySet() + ", backlog " + backlog.size() + "]";
    }
}
