package io.openrtc.observe;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One channel of an {@link EventPublisher}: a bounded queue, its listeners and the thread serving them. */
final class EventDelivery {

    private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);
    private static final Duration SLOW_LISTENER = Duration.ofMillis(100);

    private final String name;
    private final List<OpenRtcListener> listeners = new CopyOnWriteArrayList<>();
    private final BlockingQueue<OpenRtcEvent> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final Thread dispatcher;
    private volatile boolean closed;

    EventDelivery(String name, int capacity) {
        this.name = name;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.dispatcher = Thread.ofPlatform().daemon().name(name).start(this::dispatchLoop);
    }

    void add(OpenRtcListener listener) {
        listeners.add(listener);
    }

    void remove(OpenRtcListener listener) {
        listeners.remove(listener);
    }

    void publish(OpenRtcEvent event) {
        if (closed) {
            return;
        }
        if (queue.offer(event)) {
            queued.incrementAndGet();
        } else {
            long n = dropped.incrementAndGet();
            if (Long.bitCount(n) == 1) { // 1, 2, 4, 8...: visible without flooding the log
                log.warn("OpenRTC event listeners on {} are too slow: {} events dropped so far", name, n);
            }
        }
    }

    long dropped() {
        return dropped.get();
    }

    boolean awaitDelivered(long deadlineNanos) throws InterruptedException {
        // Counted, not "queue empty": the dispatcher may have taken the last event from the
        // queue and not yet handed it to the listeners.
        long target = queued.get();
        while (delivered.get() < target) {
            if (System.nanoTime() > deadlineNanos) {
                return false;
            }
            Thread.sleep(1); // a short poll: delivery is on another thread, nothing to join on
        }
        return true;
    }

    void close() {
        closed = true;
        try {
            dispatcher.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    private void deliver(OpenRtcListener listener, OpenRtcEvent event) {
        long start = System.nanoTime();
        try {
            listener.onEvent(event);
        } catch (RuntimeException | Error e) { // an Error escaping here would end delivery for good
            log.warn("OpenRTC listener {} failed on {}; skipped", listener, event.getClass().getSimpleName(), e);
        }
        long tookNanos = System.nanoTime() - start;
        if (tookNanos > SLOW_LISTENER.toNanos()) {
            log.warn("OpenRTC listener {} took {} ms for {} on {}; listeners must return quickly",
                    listener, TimeUnit.NANOSECONDS.toMillis(tookNanos), event.getClass().getSimpleName(), name);
        }
    }
}
