package io.openrtc.spring.deploy;

import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Turns the runtime's events into the deployment's {@link AuditEvent}s:
 * <ul>
 *   <li>the first {@code WorkerRegistered}: {@code deployment.started} (re-registrations after a
 *       lost connection are the same deployment and say nothing);</li>
 *   <li>{@code DrainStarted}: {@code deployment.drain_started}, with the reason and timeout;</li>
 *   <li>{@code DrainFinished} with nothing cancelled: {@code deployment.completed}; with sessions
 *       cancelled at the timeout: {@code deployment.rolled_back};</li>
 *   <li>{@code WorkerRejected}: {@code worker.rejected}.</li>
 * </ul>
 * An application {@link OpenRtcListener}: events come one at a time, in order, on the runtime's
 * application dispatcher, so the sequence numbers follow the order things happened.
 */
public final class DeploymentAudit implements OpenRtcListener {

    private static final Logger log = LoggerFactory.getLogger(DeploymentAudit.class);

    private final String version;
    private final AuditSink sink;
    private final ApplicationEventPublisher publisher;
    private final AtomicLong sequence = new AtomicLong();
    private volatile String workerId = "";
    private volatile boolean started;

    /**
     * @param version   {@code openrtc.deployment.version}, empty when not set
     * @param sink      where each event is recorded
     * @param publisher publishes each event as a Spring application event
     */
    public DeploymentAudit(String version, AuditSink sink, ApplicationEventPublisher publisher) {
        this.version = Objects.requireNonNull(version, "version");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    @Override
    public void onEvent(OpenRtcEvent event) {
        switch (event) {
            case OpenRtcEvent.WorkerRegistered registered -> {
                workerId = registered.workerId();
                if (!started) {
                    started = true;
                    emit(AuditType.DEPLOYMENT_STARTED, registered.at(), Map.of());
                }
            }
            case OpenRtcEvent.DrainStarted drain -> emit(AuditType.DRAIN_STARTED, drain.at(),
                    details("reason", drain.reason(), "timeoutSeconds", drain.timeout().toSeconds()));
            case OpenRtcEvent.DrainFinished finished -> emit(
                    finished.cancelled() == 0 ? AuditType.COMPLETED : AuditType.ROLLED_BACK, finished.at(),
                    details("completedSessions", finished.completed(), "cancelledSessions", finished.cancelled()));
            case OpenRtcEvent.WorkerRejected rejected -> emit(AuditType.WORKER_REJECTED, rejected.at(),
                    details("reason", rejected.reason()));
            default -> {
            }
        }
    }

    private void emit(AuditType type, Instant at, Map<String, Object> details) {
        AuditEvent audit = new AuditEvent(sequence.incrementAndGet(), type, at, version, workerId, details);
        try {
            sink.record(audit);
        } catch (RuntimeException e) {
            log.warn("The audit sink {} failed on {} #{}", sink.getClass().getName(), type.id(), audit.sequence(), e);
        }
        publisher.publishEvent(audit);
    }

    private static Map<String, Object> details(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put(k1, v1);
        details.put(k2, v2);
        return details;
    }

    private static Map<String, Object> details(String k1, Object v1) {
        return Map.of(k1, v1);
    }
}
