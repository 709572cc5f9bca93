package io.openrtc.observe;

import io.openrtc.agent.JobInfo;
import java.time.Instant;
import java.util.Objects;

/**
 * A running (or just ended) session as operators see it.
 *
 * @param job       the job it serves
 * @param agentName the agent serving it
 * @param startedAt when it started
 */
public record SessionInfo(JobInfo job, String agentName, Instant startedAt) {

    public SessionInfo {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(agentName, "agentName");
        Objects.requireNonNull(startedAt, "startedAt");
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
