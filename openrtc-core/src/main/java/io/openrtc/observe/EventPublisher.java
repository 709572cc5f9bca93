package io.openrtc.observe;

import java.time.Duration;
import java.util.Objects;

/**
 * Delivers {@link OpenRtcEvent}s to {@link OpenRtcListener}s, in order, on dispatcher threads
 * of its own. {@link #publish} never blocks: the runtime's socket path and session threads hand
 * an event over and go on.
 *
 * <p>Listeners come in two {@link Channel}s, each with its own queue and thread, so that code
 * the runtime does not control cannot hold up the state it reports:
 * <ul>
 *   <li>{@link Channel#RUNTIME}: the runtime's own consumers (voice figures, meters, readiness).
 *       They must be quick and never block.</li>
 *   <li>{@link Channel#APPLICATION}: everyone else's listeners ({@link #addListener}). A slow or
 *       blocking one delays only the other application listeners.</li>
 * </ul>
 * When a channel's listeners fall so far behind that its queue is full, new events for that
 * channel are dropped and counted ({@link #droppedEvents(Channel)}) rather than slowing the
 * runtime down; the other channel still gets them.
 */
public final class EventPublisher implements AutoCloseable {

    private static final int DEFAULT_CAPACITY = 65_536;

    /** Which dispatcher serves a listener. */
    public enum Channel {
        /** The runtime's own state: quick, non-blocking consumers only. */
        RUNTIME("openrtc-events-runtime"),
        /** Listeners of the application: anything else. */
        APPLICATION("openrtc-events");

        private final String threadName;

        Channel(String threadName) {
            this.threadName = threadName;
        }
    }

    private final EventDelivery runtime;
    private final EventDelivery application;

    /** A publisher with room for 65,536 undelivered events per channel. */
    public EventPublisher() {
        this(DEFAULT_CAPACITY);
    }

    /** A publisher with room for {@code capacity} undelivered events per channel. */
    public EventPublisher(int capacity) {
        this.runtime = new EventDelivery(Channel.RUNTIME.threadName, capacity);
        this.application = new EventDelivery(Channel.APPLICATION.threadName, capacity);
    }

    /** Adds an application listener; it receives events published from now on. */
    public void addListener(OpenRtcListener listener) {
        addListener(listener, Channel.APPLICATION);
    }

    /** Adds a listener to {@code channel}; it receives events published from now on. */
    public void addListener(OpenRtcListener listener, Channel channel) {
        delivery(channel).add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener, from whichever channel holds it. */
    public void removeListener(OpenRtcListener listener) {
        runtime.remove(listener);
        application.remove(listener);
    }

    /** Queues {@code event} for delivery on both channels. Never blocks, never throws. */
    public void publish(OpenRtcEvent event) {
        if (event == null) {
            return;
        }
        runtime.publish(event);
        application.publish(event);
    }

    /** Events dropped on either channel because its listeners fell behind. */
    public long droppedEvents() {
        return runtime.dropped() + application.dropped();
    }

    /** Events dropped on {@code channel} because its listeners fell behind. */
    public long droppedEvents(Channel channel) {
        return delivery(channel).dropped();
    }

    /**
     * Waits until every event published so far has been delivered on both channels, for tests
     * and orderly shutdown. Returns false if that took longer than {@code timeout}.
     */
    public boolean awaitDelivered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        return runtime.awaitDelivered(deadline) && application.awaitDelivered(deadline);
    }

    /** Delivers what is queued (for up to a second per channel) and stops the dispatcher threads. */
    @Override
    public void close() {
        runtime.close();
        application.close();
    }

    private EventDelivery delivery(Channel channel) {
        return channel == Channel.RUNTIME ? runtime : application;
    }
}
