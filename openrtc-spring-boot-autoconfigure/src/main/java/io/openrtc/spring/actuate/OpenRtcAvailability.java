package io.openrtc.spring.actuate;

import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.runtime.AgentPool;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
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
 */
public class OpenRtcAvailability {

    private static final Logger log = LoggerFactory.getLogger(OpenRtcAvailability.class);

    private final ApplicationEventPublisher publisher;

    /**
     * Subscribes to the pool: a drain that starts publishes readiness {@code REFUSING_TRAFFIC}, a
     * broken worker publishes liveness {@code BROKEN}.
     *
     * @param agentPool the runtime to watch
     * @param publisher where the availability changes are published
     */
    public OpenRtcAvailability(AgentPool agentPool, ApplicationEventPublisher publisher) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        agentPool.addListener(event -> {
            if (event instanceof OpenRtcEvent.DrainStarted drain) {
                log.info("OpenRTC drains ({}): readiness is now {}", drain.reason(), ReadinessState.REFUSING_TRAFFIC);
                AvailabilityChangeEvent.publish(publisher, this, ReadinessState.REFUSING_TRAFFIC);
            }
        });
        agentPool.onBroken(reason -> {
            log.error("OpenRTC worker is broken ({}): liveness is now {}", reason, LivenessState.BROKEN);
            AvailabilityChangeEvent.publish(publisher, this, LivenessState.BROKEN);
        });
    }
}
