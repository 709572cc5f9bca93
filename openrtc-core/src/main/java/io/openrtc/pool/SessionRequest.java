package io.openrtc.pool;

import io.openrtc.agent.JobInfo;
import io.openrtc.tenant.Tenants;
import io.openrtc.worker.JobAssignment;
import java.time.Instant;
import java.util.Objects;

/**
 * What a {@link SessionBody} is asked to run: plain values, so they cross to a child JVM
 * unchanged.
 *
 * @param assignment LiveKit's assignment: the job, the server URL and the join token (secret;
 *                   {@link JobAssignment#toString()} leaves it out)
 * @param agentName  the agent that serves the job (decided by routing)
 * @param offeredAt  when LiveKit offered the job (the availability request), to measure the
 *                   time from offer to running
 * @param tenant     the tenant the job belongs to (decided when it was offered)
 */
public record SessionRequest(JobAssignment assignment, String agentName, Instant offeredAt, String tenant) {

    public SessionRequest {
        Objects.requireNonNull(assignment, "assignment");
        Objects.requireNonNull(agentName, "agentName");
        Objects.requireNonNull(offeredAt, "offeredAt");
        tenant = Tenants.orDefault(tenant);
    }

    /** A request of the {@link Tenants#DEFAULT} tenant. */
    public SessionRequest(JobAssignment assignment, String agentName, Instant offeredAt) {
        this(assignment, agentName, offeredAt, Tenants.DEFAULT);
    }

    /** Shortcut for {@code assignment().job()}. */
    public JobInfo job() {
        return assignment.job();
    }

    /** The name of the thread a session runs on: {@code openrtc-session-<agent>-<jobId>}. */
    public String threadName() {
        return "openrtc-session-" + agentName + "-" + job().jobId();
    }
}
