package io.openrtc.observe;

/**
 * Receives the runtime's {@link OpenRtcEvent}s. Events are delivered in order on one dispatcher
 * thread, never on the worker's socket path or a session's thread, so a slow listener delays
 * only other application listeners, never the runtime's own meters and readiness (they have a
 * dispatcher of their own, {@link EventPublisher.Channel#RUNTIME}); a listener that throws or
 * takes too long is logged and skipped, and one that falls far behind misses events (counted,
 * meter {@code openrtc.events.dropped}). It can never break a session or the worker.
 */
@FunctionalInterface
public interface OpenRtcListener {

    /** Handles one event. */
    void onEvent(OpenRtcEvent event);
}
