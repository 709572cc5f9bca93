package io.openrtc.observe;

import io.openrtc.agent.JobInfo;
import io.openrtc.tenant.Tenants;
import java.time.Instant;
import java.util.Objects;

/**
 * A running (or just ended) session as operators see it.
 *
 * @param job       the job it serves
 * @param agentName the agent serving it
 * @param startedAt when it started
 * @param tenant    the tenant the job belongs to ({@link Tenants#DEFAULT} when it names none)
 */
public record SessionInfo(JobInfo job, String agentName, Instant startedAt, String tenant) {

    public SessionInfo {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(agentName, "agentName");
        Objects.requireNonNull(startedAt, "startedAt");
        tenant = Tenants.orDefault(tenant);
    }

    /** A session of the {@link Tenants#DEFAULT} tenant. */
    public SessionInfo(JobInfo job, String agentName, Instant startedAt) {
        this(job, agentName, startedAt, Tenants.DEFAULT);
    }

    /** Shortcut for {@code job().jobId()}. */
    public String jobId() {
        return job.jobId();
    }

    /** Shortcut for {@code job().roomName()}. */
    public String roomName() {
        return job.roomName();
    }
}
