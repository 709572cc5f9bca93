package io.openrtc.observe;

/**
 * Receives the runtime's {@link OpenRtcEvent}s. Events are delivered in order on one dispatcher
 * thread, never on the worker's socket path or a session's thread, so a slow listener delays
 * only other listeners; a listener that throws or takes too long is logged and skipped. It can
 * never break a session or the worker.
 */
@FunctionalInterface
public interface OpenRtcListener {

    /** Handles one event. */
    void onEvent(OpenRtcEvent event);
}
