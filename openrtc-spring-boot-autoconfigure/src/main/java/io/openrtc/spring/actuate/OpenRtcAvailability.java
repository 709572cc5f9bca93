package io.openrtc.spring.actuate;

import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.runtime.AgentPool;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.AvailabilityState;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Tells Spring Boot's application availability (and so the Kubernetes probes at
 * {@code /actuator/health/readiness} and {@code /actuator/health/liveness}) what the worker
 * does: a drain, for any reason, turns readiness {@code REFUSING_TRAFFIC}; a broken worker
 * (supervisor tripped, memory limit) turns liveness {@code BROKEN}, so the platform restarts it.
 *
 * <p>It publishes {@link AvailabilityChangeEvent}s itself rather than relying on the web
 * server's shutdown, so the states also change in an application without a web server and on
 * a drain requested through the {@code openrtc} endpoint.
 *
 * <p>It hears of the drain on the runtime's own event dispatcher
 * ({@link AgentPool#addRuntimeListener}), which no application listener can delay or overflow,
 * and publishes the change from a thread of its own: Spring runs the application's
 * availability listeners on the publishing thread, and those must not hold up the meters that
 * share the runtime's dispatcher.
 */
public class OpenRtcAvailability implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OpenRtcAvailability.class);

    private final ApplicationEventPublisher publisher;
    // One thread, so changes are published in the order they happened.
    private final ExecutorService changes =
            Executors.newSingleThreadExecutor(Thread.ofVirtual().name("openrtc-availability").factory());

    /**
     * Subscribes to the pool: a drain that starts publishes readiness {@code REFUSING_TRAFFIC}, a
     * broken worker publishes liveness {@code BROKEN}.
     *
     * @param agentPool the runtime to watch
     * @param publisher where the availability changes are published
     */
    public OpenRtcAvailability(AgentPool agentPool, ApplicationEventPublisher publisher) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        agentPool.addRuntimeListener(event -> {
            if (event instanceof OpenRtcEvent.DrainStarted drain) {
                log.info("OpenRTC drains ({}): readiness is now {}", drain.reason(), ReadinessState.REFUSING_TRAFFIC);
                publish(ReadinessState.REFUSING_TRAFFIC);
            }
        });
        agentPool.onBroken(reason -> {
            log.error("OpenRTC worker is broken ({}): liveness is now {}", reason, LivenessState.BROKEN);
            publish(LivenessState.BROKEN);
        });
    }

    private void publish(AvailabilityState state) {
        try {
            changes.execute(() -> AvailabilityChangeEvent.publish(publisher, this, state));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // The context is closing: nothing reads availability any more.
        }
    }

    /** Publishes what is pending (for up to a second) and stops its thread; Spring calls it on close. */
    @Override
    public void close() throws InterruptedException {
        changes.shutdown();
        changes.awaitTermination(1, java.util.concurrent.TimeUnit.SECONDS);
    }
}
