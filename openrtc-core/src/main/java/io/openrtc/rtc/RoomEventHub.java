package io.openrtc.rtc;

import io.openrtc.observe.SessionMdc;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a room's events: to blocking {@link RoomEventStream}s directly, and to listeners on a
 * dispatcher thread of the room's own, in order, so that a slow listener never holds up the room's
 * event loop or a webrtc thread.
 */
final class RoomEventHub {

    private static final Logger log = LoggerFactory.getLogger(RoomEventHub.class);

    private final CopyOnWriteArrayList<Consumer<? super RoomEvent>> listeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<RoomEventStream> streams = new CopyOnWriteArrayList<>();
    private final ExecutorService dispatcher;
    private volatile RoomEvent.Closed closedEvent;

    RoomEventHub(String roomLabel) {
        dispatcher = Executors.newSingleThreadExecutor(SessionMdc.propagate(Thread.ofVirtual().name("room-events-" + roomLabel).factory()));
    }

    AutoCloseable addListener(Consumer<? super RoomEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    RoomEventStream openStream() {
        RoomEventStream[] holder = new RoomEventStream[1];
        RoomEventStream stream = new RoomEventStream(() -> streams.remove(holder[0]));
        holder[0] = stream;
        RoomEvent.Closed closed = closedEvent;
        if (closed != null) {
            stream.offer(closed);
            return stream;
        }
        streams.add(stream);
        return stream;
    }

    void emit(RoomEvent event) {
        if (closedEvent != null) {
            return;
        }
        for (RoomEventStream stream : streams) {
            stream.offer(event);
        }
        if (!listeners.isEmpty()) {
            try {
                dispatcher.execute(() -> deliver(event));
            } catch (RejectedExecutionException e) {
                log.debug("Event {} after the dispatcher stopped", event);
            }
        }
        if (event instanceof RoomEvent.Closed closed) {
            closedEvent = closed;
            streams.clear();
            dispatcher.shutdown();
        }
    }

    private void deliver(RoomEvent event) {
        for (Consumer<? super RoomEvent> listener : listeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                log.warn("A room listener failed on {}: {}", event.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
