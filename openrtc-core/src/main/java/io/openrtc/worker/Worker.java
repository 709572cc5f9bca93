package io.openrtc.worker;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.DrainResult;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.WorkerSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One registration with LiveKit's agent-worker protocol: connects to {@code /agent}, registers,
 * answers availability requests through a {@link JobAdmission}, launches assigned jobs through
 * their {@link JobClaim}, reports job status and worker load, reconnects after any drop, and
 * drains.
 *
 * <h2>Threads</h2>
 * All protocol state lives on one loop thread of the worker's own. The socket's reader only
 * parses frames and hands them to that loop. {@link JobAdmission#admit} runs on a virtual
 * thread per offer (it may wait on a request filter, and offers arriving together are decided
 * side by side), {@link JobClaim#launch} on a virtual thread too; decisions and session
 * completions come back to the loop as tasks, so neither the reader nor the loop ever waits on
 * an admission or a session.
 *
 * <h2>Admission is hard</h2>
 * An availability request is accepted only when the admission reserves a slot; a reserved slot
 * whose assignment does not arrive within {@link WorkerOptions#assignmentTimeout()} is released.
 * The worker reports {@code load = utilization * targetLoad}, so it reaches LiveKit's target
 * load (where LiveKit stops dispatching to it) exactly at capacity, and {@code WS_FULL} when
 * full or draining; it declines locally too, as LiveKit's view lags by one update.
 *
 * <h2>Job status</h2>
 * {@code JS_RUNNING} when the session's {@link SessionHandle#running()} completes;
 * {@code JS_SUCCESS} for {@link SessionOutcome.Success}, {@code JS_FAILED} with the error text
 * for {@link SessionOutcome.Failed}, and {@code JS_SUCCESS} for {@link SessionOutcome.Cancelled}:
 * a cancellation comes from outside the agent (LiveKit's termination, which LiveKit itself
 * records as success; a drain; a shutdown) and is not the agent's failure, which is also what
 * LiveKit's Python SDK reports for a job process it closed. The end is sent as soon as the
 * session says it is ending ({@link SessionHandle#ending()}, before it leaves its room, since
 * LiveKit records a job whose agent left first as failed) and again only if the outcome then
 * differs.
 *
 * <h2>Reconnects</h2>
 * A new socket is a new registration (new worker id). Sessions keep running in their rooms and
 * stay tracked, counted in the load, cancellable by a drain. As LiveKit's reference worker does
 * ({@code worker.py}, {@code _report_active_jobs}), right after re-registering the worker names
 * its assigned and running jobs in one {@code MigrateJobRequest}, and it goes on reporting their
 * statuses on whatever connection is current (a server that no longer knows a job ignores the
 * update). An availability request for a job known from an earlier connection is answered on
 * the current one: declined, since the job already has (or had) its session here.
 *
 * <p>A worker starts once; after {@link #stop()} or a finished {@link #drain}, create a new one.
 *
 * <h2>Layout</h2>
 * This class is the public facade and owns the lifecycle ({@link #start()}, {@link #drain},
 * {@link #stop()}); the connection to {@code /agent} is a {@code WorkerConnection}, the job
 * state machine a {@code JobTracker}, the drain and stop a {@code WorkerDrain}, all on one
 * {@code WorkerLoop} (see the package documentation).
 */
public final class Worker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final WorkerOptions options;
    private final AgentEndpoint endpoint;
    private final WorkerLoop loop;
    private final WorkerConnection connection;
    private final JobTracker jobs;
    private final WorkerDrain drain;

    // Guarded by this: the public lifecycle.
    private boolean started;
    private boolean stopRequested;
    private CompletableFuture<DrainResult> drainResult;
    private CompletionStage<DrainResult> drainView;

    /**
     * A worker that is not connected yet; {@link #start()} connects it.
     *
     * @param options   where to connect and how to behave
     * @param admission decides each offered job; must be quick (see {@link JobAdmission})
     * @param load      the capacity it reports to LiveKit
     * @param events    receives the worker's events
     */
    public Worker(WorkerOptions options, JobAdmission admission, WorkerLoad load, EventPublisher events) {
        this.options = Objects.requireNonNull(options, "options");
        Objects.requireNonNull(admission, "admission");
        Objects.requireNonNull(load, "load");
        Objects.requireNonNull(events, "events");
        this.endpoint = new AgentEndpoint(options);
        String threadName = "openrtc-worker" + (options.agentName().isEmpty() ? "" : "-" + options.agentName());
        this.loop = new WorkerLoop(threadName);
        this.connection = new WorkerConnection(options, endpoint, loop, events);
        this.jobs = new JobTracker(options, admission, load, events, endpoint, loop, connection);
        this.drain = new WorkerDrain(options, loop, connection, jobs, events, this::completeDrain);
        connection.attach(jobs, drain);
        jobs.attach(drain);
    }

    /**
     * Connects and registers. Returns once registered, or after the first attempt failed for a
     * reason that may pass (server unreachable, timeout, 5xx): the worker then keeps retrying in
     * the background and shows as {@link ConnectionState#DISCONNECTED} in {@link #snapshot()}.
     *
     * @throws WorkerStartupException when retrying cannot help: LiveKit rejected the API key
     *                                or secret, or the URL answers HTTP but is not LiveKit
     * @throws IllegalStateException  when called twice, or after {@link #stop()} or {@link #drain}
     */
    public void start() {
        synchronized (this) {
            if (started || stopRequested || drainResult != null) {
                throw new IllegalStateException("This worker was already started, stopped or drained; a Worker connects "
                        + "once, create a new one");
            }
            started = true;
        }
        log.info("Connecting LiveKit worker to {} (agent name '{}', {} jobs, version {})", endpoint.agentUri(),
                options.agentName(), options.jobType(), options.version());
        jobs.warmUp();
        loop.post(connection::connect);
        Duration bound = options.connectTimeout().plus(options.registerTimeout()).plusSeconds(2);
        try {
            connection.firstAttempt().get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WorkerStartupException startup) {
                throw new WorkerStartupException(startup.setting(), startup.getMessage(), null);
            }
            throw new IllegalStateException("LiveKit worker failed to start", e.getCause());
        } catch (TimeoutException e) {
            log.warn("LiveKit worker not registered after {} ms; still trying in the background", bound.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Drains with reason {@code "drain requested"}; see {@link #drain(String, Duration)}. */
    public CompletionStage<DrainResult> drain(Duration timeout) {
        return drain("drain requested", timeout);
    }

    /**
     * Drains: declines every new job at once and reports {@code WS_FULL}, waits up to
     * {@code timeout} for running sessions (and slots accepted just before) to end, cancels
     * those still running, waits up to {@link WorkerOptions#cancelGrace()} for them to report,
     * then closes the connection with status 1000. Returns at once; the stage completes when
     * all that is done. Idempotent: a second call returns the same stage and ignores its
     * arguments.
     */
    public CompletionStage<DrainResult> drain(String reason, Duration timeout) {
        Objects.requireNonNull(reason, "reason");
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("drain timeout must be zero or positive, was " + timeout);
        }
        synchronized (this) {
            if (drainResult == null) {
                drainResult = new CompletableFuture<>();
                drainView = drainResult.minimalCompletionStage();
                CompletableFuture<DrainResult> result = drainResult;
                if (!started || !loop.post(() -> drain.begin(reason, timeout))) {
                    result.complete(DrainResult.nothingToDrain());
                }
            }
            return drainView;
        }
    }

    /**
     * Closes the connection now: releases reserved slots, cancels running sessions (without
     * waiting for them) and closes the socket. Waits a few seconds at most. Idempotent.
     */
    public void stop() {
        synchronized (this) {
            stopRequested = true;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!loop.post(() -> drain.stopNow("worker stopped").whenComplete((v, e) -> done.complete(null)))) {
            return;
        }
        try {
            done.get(WorkerConnection.CLOSE_HANDSHAKE_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("LiveKit worker stop did not complete in time", e);
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** The connection and its jobs now. Safe from any thread. */
    public WorkerSnapshot snapshot() {
        List<WorkerSnapshot.RunningJob> running = new ArrayList<>();
        int pending = 0;
        for (TrackedJob job : jobs.all()) {
            TrackedJob.Phase phase = job.phase;
            if (phase == TrackedJob.Phase.ACCEPTED) {
                pending++;
            } else if (phase == TrackedJob.Phase.ASSIGNED || phase == TrackedJob.Phase.RUNNING) {
                running.add(new WorkerSnapshot.RunningJob(job.jobId, job.agentName, job.job.roomName(),
                        phase == TrackedJob.Phase.RUNNING));
            }
        }
        running.sort(Comparator.comparing(WorkerSnapshot.RunningJob::jobId));
        return new WorkerSnapshot(connection.state(), connection.workerId(), connection.lastError(),
                connection.failedAttempts(), connection.since(), drain.draining(), pending, running);
    }

    /** The options this worker was built with. */
    public WorkerOptions options() {
        return options;
    }

    /** Completes the stage {@link #drain} returned; called on the loop by the {@link WorkerDrain}. */
    private void completeDrain(DrainResult result) {
        CompletableFuture<DrainResult> target;
        synchronized (this) {
            target = drainResult;
        }
        if (target != null) {
            target.complete(result);
        }
    }
}
