package io.openrtc.spring.deploy;

import io.openrtc.spring.json.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link AuditSink}: each event as one JSON object on the logger {@code openrtc.audit}
 * at info ({@code rolled_back} and {@code worker.rejected} at warn), so a log pipeline can route
 * the logger to an audit store:
 * {@code {"event":"deployment.drain_started","sequence":2,"at":"...","deploymentVersion":"green-42",...}}.
 */
public final class LogAuditSink implements AuditSink {

    /** The logger's name. */
    public static final String LOGGER = "openrtc.audit";

    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    @Override
    public void record(AuditEvent event) {
        String line = Json.write(event.fields());
        if (event.type() == AuditType.ROLLED_BACK || event.type() == AuditType.WORKER_REJECTED) {
            log.warn(line);
        } else {
            log.info(line);
        }
    }
}
