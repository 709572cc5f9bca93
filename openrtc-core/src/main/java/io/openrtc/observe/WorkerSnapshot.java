package io.openrtc.observe;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The worker's connection to LiveKit and its jobs at one moment, for health checks, the
 * Actuator endpoint and tests.
 *
 * @param state              the connection state
 * @param workerId           LiveKit's id for the current registration ({@code AW_...}); empty
 *                           while not registered
 * @param lastError          the last connection error, empty if none happened yet; kept after
 *                           a successful reconnect for diagnosis
 * @param failedAttempts     consecutive failed connection attempts (0 once registered)
 * @param since              when the worker entered {@code state}
 * @param draining           whether the worker drains: it declines every new job
 * @param pendingAssignments accepted jobs whose assignment has not arrived yet (reserved slots)
 * @param runningJobs        assigned jobs whose sessions have not ended, also those started on
 *                           an earlier connection
 */
public record WorkerSnapshot(
        ConnectionState state,
        String workerId,
        String lastError,
        int failedAttempts,
        Instant since,
        boolean draining,
        int pendingAssignments,
        List<RunningJob> runningJobs) {

    public WorkerSnapshot {
        Objects.requireNonNull(state, "state");
        workerId = Objects.requireNonNullElse(workerId, "");
        lastError = Objects.requireNonNullElse(lastError, "");
        Objects.requireNonNull(since, "since");
        runningJobs = List.copyOf(runningJobs);
    }

    /**
     * One job the worker runs a session for.
     *
     * @param jobId     LiveKit's job id
     * @param agentName the agent serving it
     * @param roomName  its room
     * @param running   false while the session is starting (assigned, not yet running)
     */
    public record RunningJob(String jobId, String agentName, String roomName, boolean running) {
    }
}
