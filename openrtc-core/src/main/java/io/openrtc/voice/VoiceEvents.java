package io.openrtc.voice;

import io.openrtc.observe.SessionMdc;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a session's voice events to its listeners, in order, on one virtual thread of its own,
 * so a slow listener never holds up the audio. Events beyond a bounded backlog are dropped and
 * counted.
 */
final class VoiceEvents implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VoiceEvents.class);
    private static final int BACKLOG = 1024;

    private final String label;
    private final List<VoiceListener> listeners = new CopyOnWriteArrayList<>();
    private final BlockingQueue<VoiceEvent> queue = new ArrayBlockingQueue<>(BACKLOG);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread thread;

    VoiceEvents(String label) {
        this.label = label;
        this.thread = Thread.ofVirtual().name("openrtc-voice-events-" + label).start(SessionMdc.propagate(this::run));
    }

    AutoCloseable add(VoiceListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    void publish(VoiceEvent event) {
        if (event instanceof VoiceEvent.ProviderFailed failed) {
            log.warn("Voice of {}: {}", label, failed.message());
        } else if (log.isDebugEnabled()) {
            log.debug("Voice of {}: {}", label, event);
        }
        if (listeners.isEmpty()) {
            return;
        }
        if (!queue.offer(event)) {
            dropped.incrementAndGet();
        }
    }

    /** Events dropped because listeners fell behind. */
    long dropped() {
        return dropped.get();
    }

    private void run() {
        try {
            while (true) {
                VoiceEvent event = queue.take();
                for (VoiceListener listener : listeners) {
                    try {
                        listener.onEvent(event);
                    } catch (RuntimeException e) {
                        log.warn("A voice listener of {} failed on {}", label, event.getClass().getSimpleName(), e);
                    }
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
