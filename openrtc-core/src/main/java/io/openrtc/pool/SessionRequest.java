package io.openrtc.pool;

import io.openrtc.agent.JobInfo;
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
 */
public record SessionRequest(JobAssignment assignment, String agentName, Instant offeredAt) {

    public SessionRequest {
        Objects.requireNonNull(assignment, "assignment");
        Objects.requireNonNull(agentName, "agentName");
        Objects.requireNonNull(offeredAt, "offeredAt");
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
