package io.openrtc.worker;

import io.openrtc.observe.DrainResult;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.OpenRtcEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the worker winds down: the drain (decline new jobs, wait for the sessions, cancel those
 * past the timeout, give them {@link WorkerOptions#cancelGrace()}, close) and the immediate
 * stop. Loop-confined, apart from {@link #draining()}; the result goes to the
 * {@link Worker}'s drain stage, which the public lifecycle owns.
 */
final class WorkerDrain {

    // The Worker's category: operators' log configuration and the tests key on it.
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final WorkerOptions options;
    private final WorkerLoop loop;
    private final WorkerConnection connection;
    private final JobTracker jobs;
    private final EventPublisher events;
    private final Consumer<DrainResult> completeDrain;

    // Loop-confined.
    private Drain drain;

    // Read by snapshot() from any thread.
    private volatile boolean draining;

    /** A drain in progress (loop-confined). */
    private static final class Drain {
        final String reason;
        final long startNanos = System.nanoTime();
        ScheduledFuture<?> deadline;
        ScheduledFuture<?> grace;
        int completed;
        int cancelled;
        boolean finished;

        Drain(String reason) {
            this.reason = reason;
        }
    }

    WorkerDrain(WorkerOptions options, WorkerLoop loop, WorkerConnection connection, JobTracker jobs,
                EventPublisher events, Consumer<DrainResult> completeDrain) {
        this.options = options;
        this.loop = loop;
        this.connection = connection;
        this.jobs = jobs;
        this.events = events;
        this.completeDrain = completeDrain;
    }

    /** A drain has begun (finished or not): new jobs are declined and the worker reports itself full. */
    boolean active() {
        return drain != null;
    }

    boolean draining() {
        return draining;
    }

    void begin(String reason, Duration timeout) {
        if (connection.stopped()) {
            completeDrain.accept(DrainResult.nothingToDrain());
            return;
        }
        drain = new Drain(reason);
        draining = true;
        connection.cancelReconnect(); // a draining worker does not come back
        log.info("LiveKit worker draining ({}): declining new jobs, waiting up to {} ms for {} active jobs", reason,
                timeout.toMillis(), jobs.activeJobs());
        events.publish(new OpenRtcEvent.DrainStarted(Instant.now(), reason, timeout));
        jobs.sendStatus();
        drain.deadline = loop.schedule(this::deadline, timeout);
        checkDone();
    }

    /** Counts a session that ended on its own during a drain. */
    void sessionEnded(TrackedJob job) {
        if (drain != null) {
            if (!job.cancelledByDrain) {
                drain.completed++;
            }
        }
    }

    private void deadline() {
        if (drain == null || drain.finished) {
            return;
        }
        for (TrackedJob job : List.copyOf(jobs.all())) {
            if (job.phase == TrackedJob.Phase.ACCEPTED) {
                jobs.expire(job, "the drain timed out before the assignment");
            } else if (job.phase == TrackedJob.Phase.ASSIGNED || job.phase == TrackedJob.Phase.RUNNING) {
                job.cancelledByDrain = true;
                drain.cancelled++;
                jobs.cancelSession(job, "drain timeout");
            }
        }
        if (drain.finished) {
            return;
        }
        if (jobs.activeJobs() == 0) {
            finish();
        } else {
            log.warn("Drain timed out; cancelled {} sessions, giving them {} ms to end", drain.cancelled,
                    options.cancelGrace().toMillis());
            drain.grace = loop.schedule(this::finish, options.cancelGrace());
        }
    }

    /** Finishes the drain once nothing holds a slot and no offer is being decided. */
    void checkDone() {
        if (!connection.stopped() && drain != null && !drain.finished && jobs.activeJobs() == 0 && !jobs.deciding()) {
            finish();
        }
    }

    private void finish() {
        if (drain.finished) {
            return;
        }
        drain.finished = true;
        WorkerLoop.cancel(drain.deadline);
        WorkerLoop.cancel(drain.grace);
        int abandoned = 0;
        for (TrackedJob job : jobs.all()) {
            if (job.cancelledByDrain && job.phase != TrackedJob.Phase.ENDED) {
                abandoned++;
            }
        }
        DrainResult result = new DrainResult(drain.completed, drain.cancelled, abandoned,
                Duration.ofNanos(System.nanoTime() - drain.startNanos));
        log.info("LiveKit worker drained: {} sessions completed, {} cancelled, {} abandoned, in {} ms", result.completed(),
                result.cancelled(), result.abandoned(), result.took().toMillis());
        events.publish(new OpenRtcEvent.DrainFinished(Instant.now(), result.completed(), result.cancelled()));
        connection.closeAndStop("worker drained").whenComplete((v, e) -> completeDrain.accept(result));
    }

    /**
     * Stops without waiting: releases reserved slots, cancels sessions, ends a drain in progress
     * with what it has, and closes the connection.
     */
    CompletableFuture<Void> stopNow(String reason) {
        if (connection.stopped()) {
            return CompletableFuture.completedFuture(null);
        }
        connection.markStopped();
        for (TrackedJob job : List.copyOf(jobs.all())) {
            if (job.phase == TrackedJob.Phase.ACCEPTED) {
                jobs.expire(job, reason);
            } else if (job.phase == TrackedJob.Phase.ASSIGNED || job.phase == TrackedJob.Phase.RUNNING) {
                jobs.cancelSession(job, reason);
            }
        }
        if (drain != null && !drain.finished) {
            drain.finished = true;
            completeDrain.accept(new DrainResult(drain.completed, drain.cancelled, jobs.activeJobs(),
                    Duration.ofNanos(System.nanoTime() - drain.startNanos)));
        }
        connection.firstAttempt().complete(null);
        return connection.closeAndStop(reason);
    }
}
