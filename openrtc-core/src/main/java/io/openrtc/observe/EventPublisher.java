package io.openrtc.observe;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers {@link OpenRtcEvent}s to {@link OpenRtcListener}s, in order, on one dispatcher
 * thread of its own. {@link #publish} never blocks: the runtime's socket path and session
 * threads hand an event over and go on. When listeners fall so far behind that the queue is
 * full, new events are dropped and counted rather than slowing the runtime down.
 */
public final class EventPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);
    private static final Duration SLOW_LISTENER = Duration.ofMillis(100);
    private static final int DEFAULT_CAPACITY = 65_536;

    private final List<OpenRtcListener> listeners = new CopyOnWriteArrayList<>();
    private final BlockingQueue<OpenRtcEvent> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final Thread dispatcher;
    private volatile boolean closed;

    /** A publisher with room for 65,536 undelivered events. */
    public EventPublisher() {
        this(DEFAULT_CAPACITY);
    }

    /** A publisher with room for {@code capacity} undelivered events. */
    public EventPublisher(int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.dispatcher = Thread.ofPlatform().daemon().name("openrtc-events").start(this::dispatchLoop);
    }

    /** Adds a listener; it receives events published from now on. */
    public void addListener(OpenRtcListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener. */
    public void removeListener(OpenRtcListener listener) {
        listeners.remove(listener);
    }

    /** Queues {@code event} for delivery. Never blocks, never throws. */
    public void publish(OpenRtcEvent event) {
        if (closed || event == null) {
            return;
        }
        if (queue.offer(event)) {
            queued.incrementAndGet();
        } else {
            long n = dropped.incrementAndGet();
            if (Long.bitCount(n) == 1) { // 1, 2, 4, 8...: visible without flooding the log
                log.warn("OpenRTC event listeners are too slow: {} events dropped so far", n);
            }
        }
    }

    /** Events dropped because the listeners fell behind. */
    public long droppedEvents() {
        return dropped.get();
    }

    /**
     * Waits until every event published so far has been delivered, for tests and orderly
     * shutdown. Returns false if that took longer than {@code timeout}.
     */
    public boolean awaitDelivered(Duration timeout) throws InterruptedException {
        // Counted, not "queue empty": the dispatcher may have taken the last event from the
        // queue and not yet handed it to the listeners.
        long target = queued.get();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (delivered.get() < target) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1); // a short poll: delivery is on another thread, nothing to join on
        }
        return true;
    }

    private void dispatchLoop() {
        while (!closed || !queue.isEmpty()) {
            OpenRtcEvent event;
            try {
                event = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            if (event == null) {
                continue;
            }
            try {
                for (OpenRtcListener listener : listeners) {
                    deliver(listener, event);
                }
            } finally {
                delivered.incrementAndGet();
            }
        }
    }

    private static void deliver(OpenRtcListener listener, OpenRtcEvent event) {
        long start = System.nanoTime();
        try {
            listener.onEvent(event);
        } catch (RuntimeException | Error e) { // an Error escaping here would end delivery for good
            log.warn("OpenRTC listener {} failed on {}; skipped", listener, event.getClass().getSimpleName(), e);
        }
        long tookNanos = System.nanoTime() - start;
        if (tookNanos > SLOW_LISTENER.toNanos()) {
            log.warn("OpenRTC listener {} took {} ms for {}; listeners must return quickly",
                    listener, TimeUnit.NANOSECONDS.toMillis(tookNanos), event.getClass().getSimpleName());
        }
    }

    /** Delivers what is queued (for up to a second) and stops the dispatcher thread. */
    @Override
    public void close() {
        closed = true;
        try {
            dispatcher.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
