package io.openrtc.worker;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.DeclineReason;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test fixture standing in for the session pool (built separately): a semaphore of
 * {@code capacity} slots behind {@link JobAdmission} and {@link WorkerLoad}, whose sessions run
 * a test-supplied {@link SessionBody} on virtual threads. It records every admission,
 * release, launch and outcome, the largest number of sessions that ever ran at once, and any
 * breach of the {@link JobClaim} contract, so tests can check that nothing is lost.
 */
final class FixtureSessionPool implements JobAdmission, WorkerLoad {

    /** What a session does; returning is success, throwing is failure, cancel interrupts it. */
    @FunctionalInterface
    interface SessionBody {
        void run(JobAssignment assignment) throws Exception;
    }

    private final int capacity;
    private final String agentName;
    private final SessionBody body;
    private final Semaphore slots;

    final AtomicInteger admitted = new AtomicInteger();
    final AtomicInteger declined = new AtomicInteger();
    final AtomicInteger released = new AtomicInteger();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    final List<JobInfo> admissions = new CopyOnWriteArrayList<>();
    final List<JobAssignment> launches = new CopyOnWriteArrayList<>();
    final Map<String, SessionOutcome> outcomes = new ConcurrentHashMap<>();
    final List<String> contractBreaches = new CopyOnWriteArrayList<>();

    FixtureSessionPool(int capacity, String agentName, SessionBody body) {
        this.capacity = capacity;
        this.agentName = agentName;
        this.body = body;
        this.slots = new Semaphore(capacity);
    }

    @Override
    public Admission admit(JobInfo job) {
        if (!slots.tryAcquire()) {
            declined.incrementAndGet();
            return new Admission.Declined(DeclineReason.AT_CAPACITY, capacity + " of " + capacity + " slots taken");
        }
        admitted.incrementAndGet();
        admissions.add(job);
        return new Admission.Accepted(new Claim(job));
    }

    @Override
    public double utilization() {
        return (capacity - slots.availablePermits()) / (double) capacity;
    }

    @Override
    public boolean isFull() {
        return slots.availablePermits() == 0;
    }

    /** Outcomes by job id, for sessions of {@code roomName}. */
    SessionOutcome outcomeForRoom(String roomName) {
        for (JobAssignment launch : launches) {
            if (launch.job().roomName().equals(roomName)) {
                return outcomes.get(launch.job().jobId());
            }
        }
        return null;
    }

    private final class Claim implements JobClaim {
        private final JobInfo job;
        private final AtomicBoolean used = new AtomicBoolean();

        Claim(JobInfo job) {
            this.job = job;
        }

        @Override
        public String agentName() {
            return agentName;
        }

        @Override
        public ParticipantSpec participant() {
            return ParticipantSpec.forJob(job.jobId(), agentName);
        }

        @Override
        public SessionHandle launch(JobAssignment assignment) {
            if (!used.compareAndSet(false, true)) {
                contractBreaches.add("claim for " + job.jobId() + " used twice (launch)");
            }
            launches.add(assignment);
            Session session = new Session(assignment);
            session.thread = Thread.ofVirtual().name("fixture-session-" + job.jobId()).unstarted(session::run);
            session.thread.start();
            return session;
        }

        @Override
        public void release() {
            if (!used.compareAndSet(false, true)) {
                contractBreaches.add("claim for " + job.jobId() + " used twice (release)");
            }
            released.incrementAndGet();
            slots.release();
        }
    }

    private final class Session implements SessionHandle {
        private final JobAssignment assignment;
        private final CompletableFuture<Void> runningStage = new CompletableFuture<>();
        private final CompletableFuture<SessionOutcome> outcomeStage = new CompletableFuture<>();
        private volatile String cancelReason;
        private volatile Thread thread;

        Session(JobAssignment assignment) {
            this.assignment = assignment;
        }

        void run() {
            Instant started = Instant.now();
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            runningStage.complete(null);
            SessionOutcome outcome;
            try {
                body.run(assignment);
                outcome = cancelReason != null ? new SessionOutcome.Cancelled(cancelReason, started, Instant.now())
                        : new SessionOutcome.Success(started, Instant.now());
            } catch (Exception e) {
                outcome = cancelReason != null ? new SessionOutcome.Cancelled(cancelReason, started, Instant.now())
                        : new SessionOutcome.Failed(e, started, Instant.now());
            } finally {
                running.decrementAndGet();
            }
            String jobId = assignment.job().jobId();
            if (outcomes.putIfAbsent(jobId, outcome) != null) {
                contractBreaches.add("session for " + jobId + " ended twice");
            }
            slots.release();
            outcomeStage.complete(outcome);
        }

        @Override
        public CompletionStage<Void> running() {
            return runningStage;
        }

        @Override
        public CompletionStage<SessionOutcome> outcome() {
            return outcomeStage;
        }

        @Override
        public void cancel(String reason) {
            if (cancelReason == null && !outcomeStage.isDone()) {
                cancelReason = reason;
                thread.interrupt();
            }
        }
    }
}
