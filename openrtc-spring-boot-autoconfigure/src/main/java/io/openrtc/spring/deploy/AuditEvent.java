package io.openrtc.spring.deploy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One audit event of the deployment, published as a Spring application event
 * ({@code @EventListener void on(AuditEvent event)}) and handed to the {@link AuditSink}.
 *
 * @param sequence          1 for the first event of this process, one more for each next one:
 *                          gaps mean lost events, and events sort by it
 * @param type              what happened
 * @param at                when the runtime saw it
 * @param deploymentVersion {@code openrtc.deployment.version}, empty when not set
 * @param workerId          LiveKit's id of the worker's latest registration, empty before the first
 * @param details           what else is known, by name (reason, timeout, sessions completed or
 *                          cancelled), in a stable order
 */
public record AuditEvent(long sequence, AuditType type, Instant at, String deploymentVersion, String workerId,
                         Map<String, Object> details) {

    public AuditEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(deploymentVersion, "deploymentVersion");
        Objects.requireNonNull(workerId, "workerId");
        details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /** The event as the fields of one JSON log line: {@code event}, {@code sequence}, then the rest. */
    public Map<String, Object> fields() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("event", type.id());
        fields.put("sequence", sequence);
        fields.put("at", at.toString());
        fields.put("deploymentVersion", deploymentVersion);
        fields.put("workerId", workerId);
        fields.putAll(details);
        return fields;
    }
}
