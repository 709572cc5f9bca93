package io.openrtc.worker;

import io.openrtc.agent.JobInfo;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;

/**
 * What the worker knows about one job id, with its phase. Mutated only on the worker's loop
 * thread; {@link #phase} and the identity fields are read by snapshots from other threads.
 *
 * <p>Phases only move forward, which is what makes duplicate or late messages harmless:
 * <pre>
 * OFFERED -> DECLINED
 *         -> ACCEPTED -> EXPIRED (no assignment in time, connection lost, drain, stop)
 *                     -> ASSIGNED -> RUNNING -> ENDED
 *                                 -> ENDED (failed before running)
 * (unknown) -> REFUSED (an assignment for a job this worker did not accept)
 * </pre>
 */
final class TrackedJob {

    enum Phase {
        OFFERED, DECLINED, ACCEPTED, EXPIRED, ASSIGNED, RUNNING, ENDED, REFUSED;

        /** Holds a session slot: reserved or in use. */
        boolean active() {
            return this == ACCEPTED || this == ASSIGNED || this == RUNNING;
        }

        /** Will never change again. */
        boolean settled() {
            return this == DECLINED || this == EXPIRED || this == ENDED || this == REFUSED;
        }
    }

    final String jobId;
    final JobInfo job;
    final long offeredNanos;
    /** The connection this job was offered on; statuses go only to that connection. */
    final long connection;

    volatile Phase phase = Phase.OFFERED;
    volatile String agentName = "";
    /** The tenant, once accepted. */
    volatile String tenant = io.openrtc.tenant.Tenants.DEFAULT;
    JobClaim claim;
    ParticipantSpec participant;
    /** Availability requests repeated while the admission was still deciding; each gets the answer. */
    int repeatsWhileDeciding;
    ScheduledFuture<?> assignmentTimer;
    SessionHandle handle;
    Instant assignedAt;
    /** A cancellation requested before the session's handle existed. */
    String pendingCancel;
    boolean cancelledByDrain;
    /** LiveKit terminated the job; a later termination for it changes nothing. */
    boolean terminated;
    /** The end status already sent to LiveKit when the session said it was ending, or null. */
    livekit.LivekitAgent.JobStatus endStatusSent;
    long settledNanos;

    TrackedJob(JobInfo job, long offeredNanos, long connection) {
        this.jobId = job.jobId();
        this.job = job;
        this.offeredNanos = offeredNanos;
        this.connection = connection;
    }

    void settle(Phase terminal, long nowNanos) {
        phase = terminal;
        settledNanos = nowNanos;
        if (assignmentTimer != null) {
            assignmentTimer.cancel(false);
            assignmentTimer = null;
        }
    }

    @Override
    public String toString() {
        return jobId + "(" + phase + ", room " + job.roomName() + ")";
    }
}
