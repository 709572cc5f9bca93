package io.openrtc.spring.autoconfigure;

import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import java.util.Objects;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Publishes every {@link OpenRtcEvent} as a Spring application event, so that a bean can observe
 * the worker with {@code @EventListener} instead of implementing {@link OpenRtcListener}:
 *
 * <pre>{@code
 * @EventListener
 * void onTurn(OpenRtcEvent.VoiceMeasured measured) {
 *     if (measured.metric() instanceof VoiceMetric.Turn turn) { ... }
 * }
 * }</pre>
 *
 * <p>Events arrive on the runtime's event dispatcher thread, in order, like a listener's: a slow
 * {@code @EventListener} delays only other observers, never a session. Turn it off with
 * {@code openrtc.application-events=false}.
 */
public class OpenRtcApplicationEvents implements OpenRtcListener {

    private final ApplicationEventPublisher publisher;

    public OpenRtcApplicationEvents(ApplicationEventPublisher publisher) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    @Override
    public void onEvent(OpenRtcEvent event) {
        publisher.publishEvent(event);
    }
}
