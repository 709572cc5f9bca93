package io.openrtc.rtc;

import java.time.Duration;

/** Waiting for a room event in a test. */
final class RoomEvents {

    private RoomEvents() {
    }

    /**
     * The next event of {@code type} from the stream, skipping others; fails if the room closes
     * first or none comes within {@code timeout}.
     */
    static <T extends RoomEvent> T next(RoomEventStream events, Class<T> type, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            RoomEvent event = events.poll(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (type.isInstance(event)) {
                return type.cast(event);
            }
            if (event instanceof RoomEvent.Closed closed) {
                throw new AssertionError("the room closed while waiting for " + type.getSimpleName() + ": " + closed.reason());
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " within " + timeout.toMillis() + " ms");
    }
}
