package io.openrtc.rtc;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The events of a room as a blocking stream, for straight-line session code. It holds the events
 * that happen after it was opened ({@link Room#events()}), up to a bound: when the reader falls
 * more than {@link #CAPACITY} events behind, the oldest are dropped and counted. The stream ends
 * after {@link RoomEvent.Closed}.
 */
public final class RoomEventStream implements AutoCloseable {

    /** Events kept for a slow reader. */
    public static final int CAPACITY = 1024;

    private final LinkedBlockingDeque<RoomEvent> queue = new LinkedBlockingDeque<>();
    private final AtomicLong dropped = new AtomicLong();
    private final Runnable onClose;
    private volatile boolean sawClosed;

    RoomEventStream(Runnable onClose) {
        this.onClose = onClose;
    }

    /**
     * The next event, waiting at most {@code timeout}.
     *
     * @return the event, or {@code null} when none came in time or the stream is over
     */
    public RoomEvent poll(Duration timeout) throws InterruptedException {
        if (sawClosed && queue.isEmpty()) {
            return null;
        }
        RoomEvent event = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (event instanceof RoomEvent.Closed) {
            sawClosed = true;
        }
        return event;
    }

    /** Whether {@link RoomEvent.Closed} has been read, so no event will follow. */
    public boolean isOver() {
        return sawClosed && queue.isEmpty();
    }

    /** Events dropped because the reader was too slow. */
    public long droppedEvents() {
        return dropped.get();
    }

    /** Stops receiving events. */
    @Override
    public void close() {
        onClose.run();
    }

    void offer(RoomEvent event) {
        while (queue.size() >= CAPACITY) {
            if (queue.pollFirst() != null) {
                dropped.incrementAndGet();
            }
        }
        queue.offerLast(event);
    }
}
