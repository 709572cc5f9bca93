package io.openrtc.cost;

import java.util.Objects;

/**
 * Whose cost a thread's work is.
 *
 * @param jobId  the session's LiveKit job id
 * @param agent  the agent serving it
 * @param tenant the tenant it belongs to (its id, not folded)
 */
public record SessionKey(String jobId, String agent, String tenant) {

    public SessionKey {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(tenant, "tenant");
    }
}
