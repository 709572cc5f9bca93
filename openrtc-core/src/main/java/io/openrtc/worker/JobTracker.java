package io.openrtc.worker;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.SessionInfo;
import io.openrtc.tenant.Tenants;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import livekit.LivekitAgent;
import livekit.LivekitAgent.AvailabilityResponse;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.UpdateJobStatus;
import livekit.LivekitAgent.UpdateWorkerStatus;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitAgent.WorkerStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job state machine: answers availability requests through the {@link JobAdmission},
 * launches assignments through their {@link JobClaim}, follows terminations and session ends,
 * and reports job statuses and the worker's load over the {@link WorkerConnection}. Holds every
 * {@link TrackedJob}; loop-confined, apart from the map {@link Worker#snapshot()} reads.
 */
final class JobTracker {

    // The Worker's category: operators' log configuration and the tests key on it.
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    private static final String NOT_ACCEPTED = "not accepted";
    private static final Duration FORGET_SETTLED_AFTER = Duration.ofMinutes(2);
    private static final Duration SLOW_ADMISSION = Duration.ofSeconds(1);

    private final WorkerOptions options;
    private final JobAdmission admission;
    private final WorkerLoad load;
    private final EventPublisher events;
    private final AgentEndpoint endpoint;
    private final WorkerLoop loop;
    private final WorkerConnection connection;
    private final Map<String, TrackedJob> jobs = new ConcurrentHashMap<>();
    private final OrphanedParticipants orphans;
    private WorkerDrain drain;

    JobTracker(WorkerOptions options, JobAdmission admission, WorkerLoad load, EventPublisher events,
               AgentEndpoint endpoint, WorkerLoop loop, WorkerConnection connection) {
        this.options = options;
        this.admission = admission;
        this.load = load;
        this.events = events;
        this.endpoint = endpoint;
        this.loop = loop;
        this.connection = connection;
        this.orphans = new OrphanedParticipants(endpoint.httpUrl(), options);
    }

    /** The drain needs the jobs to wait on, and the jobs tell it when they end. */
    void attach(WorkerDrain drain) {
        this.drain = drain;
    }

    /** Every job known, live view; safe to read from any thread. */
    Collection<TrackedJob> all() {
        return jobs.values();
    }

    void availability(LivekitAgent.Job offered) {
        TrackedJob known = jobs.get(offered.getId());
        if (known != null) {
            if (known.phase == TrackedJob.Phase.OFFERED) {
                log.debug("Repeated availability request for {}; answered once decided", known);
                known.repeatsWhileDeciding++;
                return;
            }
            // The same question again (LiveKit's selection can ask a worker twice): same answer,
            // except that a job already assigned or finished is never accepted a second time.
            log.debug("Repeated availability request for {}; answering as before", known);
            answerRepeat(known);
            return;
        }
        JobInfo info = ProtoJobs.toJobInfo(offered);
        TrackedJob job = new TrackedJob(info, System.nanoTime(), connection.id());
        jobs.put(job.jobId, job);
        events.publish(new OpenRtcEvent.JobOffered(Instant.now(), info));
        if (drain.active()) {
            decline(job, DeclineReason.DRAINING, "the worker is draining");
            return;
        }
        if (isFull()) {
            decline(job, DeclineReason.AT_CAPACITY, "the worker is at capacity");
            return;
        }
        // Off the loop: the admission may wait on user code (a request filter), and offers that
        // arrive together must be decided side by side within LiveKit's budget, not one by one.
        Thread.ofVirtual().name("openrtc-admission-" + job.jobId).start(() -> {
            long start = System.nanoTime();
            Admission decision;
            try {
                decision = Objects.requireNonNull(admission.admit(info), "JobAdmission.admit returned null");
            } catch (RuntimeException | Error e) { // an offer left undecided would hold up a drain
                log.error("JobAdmission failed for job {}; declining it", job, e);
                decision = new Admission.Declined(DeclineReason.ERROR, AgentEndpoint.describe(e));
            }
            long tookNanos = System.nanoTime() - start;
            if (tookNanos > SLOW_ADMISSION.toNanos()) {
                log.warn("JobAdmission took {} ms for job {}; LiveKit waits about 3 s in all for the answer",
                        TimeUnit.NANOSECONDS.toMillis(tookNanos), job.jobId);
            }
            Admission decided = decision;
            if (!loop.post(() -> decided(job, decided)) && decided instanceof Admission.Accepted accepted) {
                release(accepted.claim(), job); // the worker stopped meanwhile
            }
        });
    }

    private void decided(TrackedJob job, Admission decision) {
        switch (decision) {
            case Admission.Declined declined -> decline(job, declined.reason(), declined.detail(), declined.tenant());
            case Admission.Accepted accepted when connection.stopped() || drain.active() -> {
                release(accepted.claim(), job);
                decline(job, DeclineReason.DRAINING, "the worker began draining or stopped while deciding");
            }
            case Admission.Accepted accepted when job.connection != connection.id() -> {
                release(accepted.claim(), job); // its assignment could only come on the lost connection
                decline(job, DeclineReason.ERROR, "the connection the job was offered on was lost while deciding");
            }
            case Admission.Accepted accepted -> accept(job, accepted.claim());
        }
        for (; job.repeatsWhileDeciding > 0; job.repeatsWhileDeciding--) {
            answerRepeat(job);
        }
        drain.checkDone();
    }

    private void accept(TrackedJob job, JobClaim claim) {
        ParticipantSpec participant;
        String agentName;
        String tenant;
        try {
            agentName = Objects.requireNonNullElse(claim.agentName(), "");
            tenant = Tenants.orDefault(claim.tenant());
            participant = claim.participant();
        } catch (RuntimeException e) {
            log.error("JobClaim for job {} failed; declining it", job, e);
            release(claim, job);
            decline(job, DeclineReason.ERROR, AgentEndpoint.describe(e));
            return;
        }
        job.claim = claim;
        job.agentName = agentName;
        job.tenant = tenant;
        job.participant = participant != null ? participant : ParticipantSpec.forJob(job.jobId, agentName);
        job.phase = TrackedJob.Phase.ACCEPTED;
        sendAvailability(job, true);
        log.info("Accepted job {} in room '{}' for agent '{}' (tenant '{}')", job.jobId, job.job.roomName(), agentName, tenant);
        events.publish(new OpenRtcEvent.JobAccepted(Instant.now(), job.job, agentName, tenant));
        job.assignmentTimer = loop.schedule(() -> assignmentTimedOut(job), options.assignmentTimeout());
        sendStatus();
    }

    private void decline(TrackedJob job, DeclineReason reason, String detail) {
        decline(job, reason, detail, "");
    }

    /** {@code tenant}: the job's, or empty when it was declined before that was decided. */
    private void decline(TrackedJob job, DeclineReason reason, String detail, String tenant) {
        job.settle(TrackedJob.Phase.DECLINED, System.nanoTime());
        sendAvailability(job, false);
        log.debug("Declined job {} ({}: {})", job, reason.tag(), detail);
        events.publish(new OpenRtcEvent.JobDeclined(Instant.now(), job.job, reason, detail, tenant));
    }

    /**
     * Answers a repeated availability request, on the current connection: the same answer as
     * before, except that a job already assigned or finished, or one first offered on an
     * earlier connection (its assignment could only have come on that one), is declined.
     */
    private void answerRepeat(TrackedJob job) {
        sendAvailability(job, job.phase == TrackedJob.Phase.ACCEPTED && job.connection == connection.id(), true);
    }

    private void sendAvailability(TrackedJob job, boolean available) {
        sendAvailability(job, available, false);
    }

    /** @param askedHere the current connection asked about the job (else only the one it was offered on did) */
    private void sendAvailability(TrackedJob job, boolean available, boolean askedHere) {
        if (!connection.canSend() || (!askedHere && job.connection != connection.id())) {
            return;
        }
        AvailabilityResponse.Builder answer = AvailabilityResponse.newBuilder().setJobId(job.jobId).setAvailable(available);
        if (available) {
            ParticipantSpec p = job.participant;
            answer.setParticipantIdentity(p.identity())
                    .setParticipantName(p.name())
                    .setParticipantMetadata(p.metadata())
                    .putAllParticipantAttributes(p.attributes());
        }
        // terminate stays false: another worker may take a job this one declines.
        connection.send(WorkerMessage.newBuilder().setAvailability(answer).build());
    }

    private void assignmentTimedOut(TrackedJob job) {
        if (job.phase == TrackedJob.Phase.ACCEPTED) {
            expire(job, "no assignment from LiveKit within " + options.assignmentTimeout().toMillis() + " ms");
        }
    }

    /** Gives an accepted job's reserved slot back; its assignment will not be honoured. */
    void expire(TrackedJob job, String why) {
        job.settle(TrackedJob.Phase.EXPIRED, System.nanoTime());
        release(job.claim, job);
        if (connection.stopped() || drain.active()) {
            log.info("Released the slot reserved for job {}: {}", job, why);
        } else {
            log.warn("Released the slot reserved for job {}: {}", job, why);
        }
        sendStatus();
        drain.checkDone();
    }

    private static void release(JobClaim claim, TrackedJob job) {
        try {
            claim.release();
        } catch (RuntimeException e) {
            log.error("JobClaim.release failed for job {}", job, e);
        }
    }

    /** A name from the wire, short enough for a log line. */
    private static String abbreviated(String value) {
        return value.length() <= 80 ? value : value.substring(0, 80) + "... (" + value.length() + " chars)";
    }

    void assignment(LivekitAgent.JobAssignment assignment) {
        String jobId = assignment.getJob().getId();
        TrackedJob job = jobs.get(jobId);
        if (job != null && (job.phase == TrackedJob.Phase.ASSIGNED || job.phase == TrackedJob.Phase.RUNNING
                || job.phase == TrackedJob.Phase.ENDED)) {
            log.debug("Duplicate assignment for {}; ignored", job);
            return;
        }
        if (job == null || job.phase != TrackedJob.Phase.ACCEPTED) {
            // LiveKit counts the job as running here now; failing it clears that, and not
            // joining keeps the admission cap intact.
            connection.warnProtocol("LiveKit assigned job {} (room '{}'), which this worker {}; reporting it failed, not joining",
                    abbreviated(jobId), abbreviated(assignment.getJob().getRoom().getName()),
                    job == null ? "was never offered" : job.phase == TrackedJob.Phase.DECLINED ? "declined"
                            : "holds no slot for any more (" + job.phase + ")");
            sendJobStatus(jobId, JobStatus.JS_FAILED, NOT_ACCEPTED);
            if (job == null) {
                TrackedJob refused = new TrackedJob(ProtoJobs.toJobInfo(assignment.getJob()), System.nanoTime(),
                        connection.id());
                refused.settle(TrackedJob.Phase.REFUSED, System.nanoTime());
                jobs.put(jobId, refused);
            }
            return;
        }
        WorkerLoop.cancel(job.assignmentTimer);
        job.assignmentTimer = null;
        job.phase = TrackedJob.Phase.ASSIGNED;
        job.assignedAt = Instant.now();
        JobAssignment launch = new JobAssignment(job.job, joinUrl(assignment), assignment.getToken(),
                job.participant.identity());
        JobClaim claim = job.claim;
        Thread.ofVirtual().name("openrtc-launch-" + jobId).start(() -> {
            SessionHandle handle;
            try {
                handle = claim.launch(launch);
            } catch (Throwable e) {
                loop.post(() -> launchFailed(job, e));
                return;
            }
            loop.post(() -> launched(job, handle));
        });
    }

    private URI joinUrl(LivekitAgent.JobAssignment assignment) {
        if (assignment.hasUrl() && !assignment.getUrl().isBlank()) {
            try {
                return URI.create(assignment.getUrl());
            } catch (IllegalArgumentException e) {
                log.warn("LiveKit's assignment names an unusable URL '{}'; joining at {} instead", assignment.getUrl(),
                        endpoint.serverUrl());
            }
        }
        return endpoint.serverUrl();
    }

    private void launched(TrackedJob job, SessionHandle handle) {
        if (handle == null) {
            launchFailed(job, new IllegalStateException("JobClaim.launch returned no SessionHandle"));
            return;
        }
        job.handle = handle;
        if (job.pendingCancel != null) {
            cancelSession(job, job.pendingCancel);
        }
        handle.running().whenComplete((ignored, error) -> loop.post(() -> running(job)));
        handle.ending().whenComplete((outcome, error) -> {
            if (outcome != null) {
                loop.post(() -> ending(job, outcome));
            }
        });
        handle.outcome().whenComplete((outcome, error) -> loop.post(() -> ended(job, outcome, error)));
    }

    /** The session is leaving its room: LiveKit hears of the job's end before it sees the agent leave. */
    private void ending(TrackedJob job, SessionOutcome outcome) {
        if (job.phase == TrackedJob.Phase.ENDED || job.endStatusSent != null || !connection.canSend()) {
            // Without a connection: told once the session has ended, on whatever connection there is then.
            job.handle.endReported();
            return;
        }
        job.endStatusSent = endStatus(outcome);
        // The session leaves its room once the status is on the wire, which gives LiveKit the
        // status well ahead of the leave (it acknowledges neither).
        connection.sendWritten(WorkerMessage.newBuilder().setUpdateJob(UpdateJobStatus.newBuilder().setJobId(job.jobId)
                        .setStatus(job.endStatusSent).setError(outcome instanceof SessionOutcome.Failed f ? f.message() : ""))
                .build()).whenComplete((ignored, error) -> job.handle.endReported());
    }

    private static JobStatus endStatus(SessionOutcome outcome) {
        return switch (outcome) {
            case SessionOutcome.Success s -> JobStatus.JS_SUCCESS;
            case SessionOutcome.Failed f -> JobStatus.JS_FAILED;
            case SessionOutcome.Cancelled c -> JobStatus.JS_SUCCESS;
        };
    }

    private void launchFailed(TrackedJob job, Throwable error) {
        log.error("Session for job {} could not be launched", job, error);
        job.settle(TrackedJob.Phase.ENDED, System.nanoTime());
        sendJobStatus(job, JobStatus.JS_FAILED, "session could not start: " + AgentEndpoint.describe(error));
        sendStatus();
        drain.checkDone();
    }

    private void running(TrackedJob job) {
        if (job.phase != TrackedJob.Phase.ASSIGNED) {
            return;
        }
        job.phase = TrackedJob.Phase.RUNNING;
        sendJobStatus(job, JobStatus.JS_RUNNING, "");
        Duration sinceOffer = Duration.ofNanos(System.nanoTime() - job.offeredNanos);
        events.publish(new OpenRtcEvent.SessionRunning(Instant.now(), new SessionInfo(job.job, job.agentName, job.assignedAt, job.tenant),
                sinceOffer));
    }

    private void ended(TrackedJob job, SessionOutcome outcome, Throwable error) {
        if (job.phase == TrackedJob.Phase.ENDED) {
            return;
        }
        job.settle(TrackedJob.Phase.ENDED, System.nanoTime());
        if (outcome == null) {
            Throwable cause = error != null ? error : new IllegalStateException("the session reported no outcome");
            outcome = new SessionOutcome.Failed(cause, job.assignedAt, Instant.now());
        }
        JobStatus status = endStatus(outcome);
        if (status != job.endStatusSent) {
            // Not told yet (or told otherwise when the session was leaving its room).
            sendJobStatus(job, status, outcome instanceof SessionOutcome.Failed f ? f.message() : "");
        }
        log.info("Job {} in room '{}' ended: {}", job.jobId, job.job.roomName(), outcome.label());
        if (job.handle != null && job.handle.leftParticipantBehind(outcome)) {
            orphans.remove(job.job.roomName(), job.participant.identity());
        }
        drain.sessionEnded(job);
        sendStatus();
        drain.checkDone();
    }

    void termination(String jobId) {
        TrackedJob job = jobs.get(jobId);
        if (job == null || (job.phase != TrackedJob.Phase.ASSIGNED && job.phase != TrackedJob.Phase.RUNNING)) {
            log.debug("Termination for job {}, which runs no session here; ignored", jobId);
            return;
        }
        if (job.terminated) {
            return;
        }
        job.terminated = true;
        log.info("LiveKit terminated job {}; cancelling its session unless it ends within {} ms", job,
                options.terminationGrace().toMillis());
        // The session usually sees the same end in its room (deleted, agent removed) and ends
        // normally; cancel only one that does not.
        loop.schedule(() -> {
            if (job.phase.active()) {
                cancelSession(job, "job terminated by LiveKit");
            }
        }, options.terminationGrace());
    }

    void cancelSession(TrackedJob job, String reason) {
        if (job.handle == null) {
            job.pendingCancel = reason; // launch() still runs; cancelled as soon as the handle exists
            return;
        }
        try {
            job.handle.cancel(reason);
        } catch (RuntimeException e) {
            log.error("SessionHandle.cancel failed for job {}", job, e);
        }
    }

    private void sendJobStatus(TrackedJob job, JobStatus status, String error) {
        // On the current connection even for a job offered on an earlier one, as the reference
        // worker does: the server that took the MigrateJobRequest may know it; one that does not ignores it.
        sendJobStatus(job.jobId, status, error);
    }

    private void sendJobStatus(String jobId, JobStatus status, String error) {
        if (!connection.canSend()) {
            return;
        }
        connection.send(WorkerMessage.newBuilder().setUpdateJob(UpdateJobStatus.newBuilder()
                .setJobId(jobId).setStatus(status).setError(error))
                .build());
    }

    /**
     * Before the worker registers: the offer path once on a made-up job, nothing sent, nothing
     * reserved (see {@link JobAdmission#warmUp()}). A failure here is only logged: the worker
     * works without it, just with a slower first offer.
     */
    void warmUp() {
        long start = System.nanoTime();
        try {
            LivekitAgent.Job offered = LivekitAgent.Job.newBuilder().setId("AJ_warm_up").setType(LivekitAgent.JobType.JT_ROOM)
                    .setMetadata("{}").setRoom(livekit.LivekitModels.Room.newBuilder().setName("warm-up").setMetadata("{}"))
                    .build();
            JobInfo info = ProtoJobs.toJobInfo(LivekitAgent.Job.parseFrom(offered.toByteArray()));
            WorkerMessage.newBuilder().setAvailability(AvailabilityResponse.newBuilder().setJobId(info.jobId()).setAvailable(true)
                    .setParticipantIdentity("agent-" + info.jobId()).putAllParticipantAttributes(Map.of("lk.agent.name", "")))
                    .build().toByteArray();
            admission.warmUp();
        } catch (Exception | LinkageError e) {
            log.debug("Warming up the offer path failed; the first offer will be slower", e);
        }
        log.debug("Offer path warmed up in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /** Reports the load, and forgets jobs settled long enough ago that LiveKit will not ask again. */
    void statusTick() {
        sendStatus();
        long forgetBefore = System.nanoTime() - FORGET_SETTLED_AFTER.toNanos();
        jobs.values().removeIf(job -> job.phase.settled() && job.settledNanos - forgetBefore < 0);
    }

    void sendStatus() {
        if (!connection.canSend()) {
            return;
        }
        boolean full = drain.active() || isFull();
        double utilization = Math.clamp(utilization(), 0.0, 1.0);
        connection.send(WorkerMessage.newBuilder().setUpdateWorker(UpdateWorkerStatus.newBuilder()
                .setStatus(full ? WorkerStatus.WS_FULL : WorkerStatus.WS_AVAILABLE)
                .setLoad((float) (utilization * options.targetLoad()))
                .setJobCount(activeJobs()))
                .build());
    }

    /** Jobs holding a slot: reserved or in use. */
    int activeJobs() {
        int active = 0;
        for (TrackedJob job : jobs.values()) {
            if (job.phase.active()) {
                active++;
            }
        }
        return active;
    }

    /** Whether an admission is still deciding an offer; the drain answers it before closing. */
    boolean deciding() {
        for (TrackedJob job : jobs.values()) {
            if (job.phase == TrackedJob.Phase.OFFERED) {
                return true;
            }
        }
        return false;
    }

    private boolean isFull() {
        try {
            return load.isFull();
        } catch (RuntimeException e) {
            log.error("WorkerLoad.isFull failed; treating the worker as full", e);
            return true;
        }
    }

    private double utilization() {
        try {
            double value = load.utilization();
            return Double.isNaN(value) ? 1.0 : value;
        } catch (RuntimeException e) {
            log.error("WorkerLoad.utilization failed; reporting full load", e);
            return 1.0;
        }
    }
}
