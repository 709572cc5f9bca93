package io.openrtc.worker;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.RateLimitedLog;
import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.DrainResult;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.SessionInfo;
import io.openrtc.observe.WorkerSnapshot;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import livekit.LivekitAgent;
import livekit.LivekitAgent.AvailabilityResponse;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.MigrateJobRequest;
import livekit.LivekitAgent.RegisterWorkerRequest;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.UpdateJobStatus;
import livekit.LivekitAgent.UpdateWorkerStatus;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitAgent.WorkerPing;
import livekit.LivekitAgent.WorkerStatus;
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
 * LiveKit's Python SDK reports for a job process it closed.
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
 */
public final class Worker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    private static final String NOT_ACCEPTED = "not accepted";
    private static final Duration FORGET_SETTLED_AFTER = Duration.ofMinutes(2);
    private static final Duration CLOSE_HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SLOW_ADMISSION = Duration.ofSeconds(1);

    private final WorkerOptions options;
    private final JobAdmission admission;
    private final WorkerLoad load;
    private final EventPublisher events;
    private final AgentEndpoint endpoint;
    private final RateLimitedLog protocolWarnings = new RateLimitedLog();
    private final ScheduledThreadPoolExecutor loop;
    private final HttpClient http;
    private final Random random = new Random();
    private final Map<String, TrackedJob> jobs = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();

    // Guarded by this: the public lifecycle.
    private boolean started;
    private boolean stopRequested;
    private CompletableFuture<DrainResult> drainResult;
    private CompletionStage<DrainResult> drainView;

    // Loop-confined connection state.
    private long connection;
    private WorkerSocket socket;
    private boolean registered;
    private boolean stopped;
    private ScheduledFuture<?> reconnectTimer;
    private ScheduledFuture<?> handshakeTimer;
    private ScheduledFuture<?> statusTimer;
    private ScheduledFuture<?> pingTimer;
    private long lastInboundNanos;
    private Drain drain;

    // Read by snapshot() from any thread.
    private volatile ConnectionState state = ConnectionState.STOPPED;
    private volatile Instant since = Instant.now();
    private volatile String workerId = "";
    private volatile String lastError = "";
    private volatile int failedAttempts;
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
        this.admission = Objects.requireNonNull(admission, "admission");
        this.load = Objects.requireNonNull(load, "load");
        this.events = Objects.requireNonNull(events, "events");
        this.endpoint = new AgentEndpoint(options);
        String threadName = "openrtc-worker" + (options.agentName().isEmpty() ? "" : "-" + options.agentName());
        this.loop = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().daemon().name(threadName).unstarted(r));
        this.loop.setRemoveOnCancelPolicy(true);
        this.loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.loop.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        this.http = HttpClient.newBuilder().connectTimeout(options.connectTimeout()).build();
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
        post(this::connect);
        Duration bound = options.connectTimeout().plus(options.registerTimeout()).plusSeconds(2);
        try {
            firstAttempt.get(bound.toMillis(), TimeUnit.MILLISECONDS);
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
                if (!started || !post(() -> beginDrain(reason, timeout))) {
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
        if (!post(() -> stopNow("worker stopped").whenComplete((v, e) -> done.complete(null)))) {
            return;
        }
        try {
            done.get(CLOSE_HANDSHAKE_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
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
        for (TrackedJob job : jobs.values()) {
            TrackedJob.Phase phase = job.phase;
            if (phase == TrackedJob.Phase.ACCEPTED) {
                pending++;
            } else if (phase == TrackedJob.Phase.ASSIGNED || phase == TrackedJob.Phase.RUNNING) {
                running.add(new WorkerSnapshot.RunningJob(job.jobId, job.agentName, job.job.roomName(),
                        phase == TrackedJob.Phase.RUNNING));
            }
        }
        running.sort(Comparator.comparing(WorkerSnapshot.RunningJob::jobId));
        return new WorkerSnapshot(state, workerId, lastError, failedAttempts, since, draining, pending, running);
    }

    /** The options this worker was built with. */
    public WorkerOptions options() {
        return options;
    }

    // ---------------------------------------------------------------- connection

    private void connect() {
        reconnectTimer = null;
        if (stopped) {
            return;
        }
        long attempt = ++connection;
        setState(ConnectionState.CONNECTING);
        String token;
        try {
            token = endpoint.mintToken();
        } catch (RuntimeException e) {
            String message = "cannot sign the worker token with the configured key pair (" + AgentEndpoint.describe(e)
                    + "): check " + WorkerOptions.API_KEY_SETTING + " and " + WorkerOptions.API_SECRET_SETTING;
            lost(message, new WorkerStartupException("openrtc.livekit.api-key/openrtc.livekit.api-secret", message, null));
            return;
        }
        // The JDK bounds the opening by connectTimeout itself; this is the backstop.
        handshakeTimer = schedule(() -> handshakeTimedOut(attempt, "could not open " + endpoint.agentUri() + " within "
                + options.connectTimeout().toMillis() + " ms"), options.connectTimeout().plusSeconds(1));
        CompletableFuture<WorkerSocket> opening;
        try {
            opening = WorkerSocket.open(http, endpoint.agentUri(), token, options.connectTimeout(), new SocketEvents(attempt));
        } catch (IllegalArgumentException e) {
            String message = "cannot open a websocket to " + endpoint.agentUri() + " (" + AgentEndpoint.describe(e)
                    + "): check " + WorkerOptions.URL_SETTING;
            lost(message, new WorkerStartupException("openrtc.livekit.url", message, null));
            return;
        }
        opening.whenComplete((opened, error) -> {
                    if (!post(() -> opened(attempt, opened, error)) && opened != null) {
                        opened.abort("worker stopped");
                    }
                });
    }

    private void opened(long attempt, WorkerSocket opened, Throwable error) {
        if (attempt != connection || stopped) {
            if (opened != null) {
                opened.abort("superseded");
            }
            return;
        }
        if (error != null) {
            AgentEndpoint.Failure failure = endpoint.classify(error);
            lost(failure.message(), failure.definitive());
            return;
        }
        socket = opened;
        lastInboundNanos = System.nanoTime();
        cancel(handshakeTimer);
        handshakeTimer = schedule(() -> handshakeTimedOut(attempt, "no registration answer from " + endpoint.agentUri()
                + " within " + options.registerTimeout().toMillis() + " ms"), options.registerTimeout());
        opened.send(WorkerMessage.newBuilder().setRegister(RegisterWorkerRequest.newBuilder()
                .setType(ProtoJobs.toProto(options.jobType()))
                .setAgentName(options.agentName())
                .setVersion(options.version())
                .setAllowedPermissions(options.permissions().toProto()))
                .build());
    }

    private void handshakeTimedOut(long attempt, String what) {
        if (attempt == connection && !registered && !stopped) {
            lost(what, null);
        }
    }

    private void registered(LivekitAgent.RegisterWorkerResponse response) {
        if (registered) {
            warnProtocol("LiveKit sent a second registration answer; ignored");
            return;
        }
        registered = true;
        cancel(handshakeTimer);
        workerId = response.getWorkerId();
        failedAttempts = 0;
        setState(ConnectionState.REGISTERED);
        log.info("LiveKit worker registered as {} with LiveKit {} at {} (agent name '{}', {} jobs)", workerId,
                response.getServerInfo().getVersion(), endpoint.agentUri(), options.agentName(), options.jobType());
        publish(new OpenRtcEvent.WorkerRegistered(Instant.now(), workerId));
        reportActiveJobs();
        sendStatus();
        statusTimer = loop.scheduleWithFixedDelay(guarded(this::statusTick), options.statusInterval().toNanos(),
                options.statusInterval().toNanos(), TimeUnit.NANOSECONDS);
        pingTimer = loop.scheduleWithFixedDelay(guarded(this::pingTick), options.pingInterval().toNanos(),
                options.pingInterval().toNanos(), TimeUnit.NANOSECONDS);
        firstAttempt.complete(null);
    }

    /**
     * After a registration, names the jobs whose sessions run here (assigned or running) in one
     * {@code MigrateJobRequest}, as the reference worker does after a reconnect; nothing when none.
     */
    private void reportActiveJobs() {
        List<String> running = new ArrayList<>();
        for (TrackedJob job : jobs.values()) {
            if (job.phase == TrackedJob.Phase.ASSIGNED || job.phase == TrackedJob.Phase.RUNNING) {
                running.add(job.jobId);
            }
        }
        if (running.isEmpty() || socket == null) {
            return;
        }
        log.info("LiveKit worker {} reports its {} running jobs {}", workerId, running.size(), running);
        socket.send(WorkerMessage.newBuilder().setMigrateJob(MigrateJobRequest.newBuilder().addAllJobIds(running)).build());
    }

    /**
     * The current connection failed or was lost. Forgets it, releases slots still waiting for
     * an assignment (it can only come on this connection), and retries after a backoff, unless
     * the failure is definitive at startup or the worker drains or stopped.
     */
    private void lost(String reason, WorkerStartupException definitive) {
        boolean wasRegistered = registered;
        dropConnection("connection lost");
        lastError = reason;
        for (TrackedJob job : List.copyOf(jobs.values())) {
            if (job.phase == TrackedJob.Phase.ACCEPTED) {
                expire(job, "the connection to LiveKit was lost before the assignment");
            }
        }
        if (stopped) {
            return;
        }
        if (definitive != null && !firstAttempt.isDone()) {
            log.error("LiveKit worker cannot start: {}", reason);
            closeAndStop("startup failed"); // nothing was accepted yet; STOPPED before start() throws
            firstAttempt.completeExceptionally(definitive);
            return;
        }
        if (drain != null) {
            log.warn("LiveKit worker lost its connection while draining ({}); not reconnecting", reason);
            setState(ConnectionState.DISCONNECTED);
            return;
        }
        failedAttempts++;
        Duration delay = options.reconnectBackoff().delay(failedAttempts, random);
        setState(ConnectionState.DISCONNECTED);
        log.warn("LiveKit worker {}: {}; retrying in {} ms (attempt {})",
                wasRegistered ? "disconnected" : "could not connect", reason, delay.toMillis(), failedAttempts + 1);
        publish(new OpenRtcEvent.WorkerDisconnected(Instant.now(), reason, failedAttempts, delay));
        firstAttempt.complete(null);
        reconnectTimer = schedule(this::connect, delay);
    }

    /** Forgets the current socket (aborting it) and its timers; later events from it are ignored. */
    private void dropConnection(String why) {
        connection++;
        registered = false;
        workerId = "";
        cancel(handshakeTimer);
        cancel(statusTimer);
        cancel(pingTimer);
        handshakeTimer = statusTimer = pingTimer = null;
        WorkerSocket old = socket;
        socket = null;
        if (old != null) {
            old.abort(why);
        }
    }

    private void received(long attempt, ServerMessage message) {
        if (attempt != connection || stopped) {
            return;
        }
        lastInboundNanos = System.nanoTime();
        switch (message.getMessageCase()) {
            case REGISTER -> registered(message.getRegister());
            case AVAILABILITY -> {
                if (registered) {
                    availability(message.getAvailability().getJob());
                }
            }
            case ASSIGNMENT -> assignment(message.getAssignment());
            case TERMINATION -> termination(message.getTermination().getJobId());
            case PONG -> log.trace("pong from LiveKit");
            case MESSAGE_NOT_SET -> log.debug("Ignoring a message from LiveKit of a kind this worker does not know");
        }
    }

    /**
     * Warns of something LiveKit sent that the worker cannot use, at most once per
     * {@link RateLimitedLog#INTERVAL}: a misbehaving server must not flood the log.
     */
    private void warnProtocol(String format, Object... args) {
        long heldBack = protocolWarnings.permit();
        if (heldBack < 0) {
            log.debug(format, args);
            return;
        }
        log.warn(heldBack == 0 ? format : format + " ({} more such warnings held back)", heldBack == 0 ? args
                : java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of(heldBack)).toArray());
    }

    /** A name from the wire, short enough for a log line. */
    private static String abbreviated(String value) {
        return value.length() <= 80 ? value : value.substring(0, 80) + "... (" + value.length() + " chars)";
    }

    private void malformed(long attempt, String detail) {
        if (attempt == connection && !stopped) {
            // One bad frame should not cost the registration; whatever it was, LiveKit times it out.
            warnProtocol("Ignoring {} from LiveKit at {}", detail, endpoint.agentUri());
        }
    }

    private void socketClosed(long attempt, String reason) {
        if (attempt == connection && !stopped) {
            lost(reason, null);
        }
    }

    private void pingTick() {
        if (!registered || socket == null) {
            return;
        }
        long silentNanos = System.nanoTime() - lastInboundNanos;
        if (silentNanos > options.pingInterval().plus(options.pingTimeout()).toNanos()) {
            lost("no message from LiveKit for " + TimeUnit.NANOSECONDS.toMillis(silentNanos)
                    + " ms although the worker pinged it: the connection is dead", null);
            return;
        }
        socket.send(WorkerMessage.newBuilder()
                .setPing(WorkerPing.newBuilder().setTimestamp(System.currentTimeMillis()))
                .build());
    }

    private void statusTick() {
        sendStatus();
        long forgetBefore = System.nanoTime() - FORGET_SETTLED_AFTER.toNanos();
        jobs.values().removeIf(job -> job.phase.settled() && job.settledNanos - forgetBefore < 0);
    }

    private void sendStatus() {
        if (!registered || socket == null) {
            return;
        }
        boolean full = drain != null || isFull();
        double utilization = Math.clamp(utilization(), 0.0, 1.0);
        socket.send(WorkerMessage.newBuilder().setUpdateWorker(UpdateWorkerStatus.newBuilder()
                .setStatus(full ? WorkerStatus.WS_FULL : WorkerStatus.WS_AVAILABLE)
                .setLoad((float) (utilization * options.targetLoad()))
                .setJobCount(activeJobs()))
                .build());
    }

    // ---------------------------------------------------------------- jobs

    private void availability(LivekitAgent.Job offered) {
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
        TrackedJob job = new TrackedJob(info, System.nanoTime(), connection);
        jobs.put(job.jobId, job);
        publish(new OpenRtcEvent.JobOffered(Instant.now(), info));
        if (drain != null) {
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
            if (!post(() -> decided(job, decided)) && decided instanceof Admission.Accepted accepted) {
                release(accepted.claim(), job); // the worker stopped meanwhile
            }
        });
    }

    private void decided(TrackedJob job, Admission decision) {
        switch (decision) {
            case Admission.Declined declined -> decline(job, declined.reason(), declined.detail());
            case Admission.Accepted accepted when stopped || drain != null -> {
                release(accepted.claim(), job);
                decline(job, DeclineReason.DRAINING, "the worker began draining or stopped while deciding");
            }
            case Admission.Accepted accepted when job.connection != connection -> {
                release(accepted.claim(), job); // its assignment could only come on the lost connection
                decline(job, DeclineReason.ERROR, "the connection the job was offered on was lost while deciding");
            }
            case Admission.Accepted accepted -> accept(job, accepted.claim());
        }
        for (; job.repeatsWhileDeciding > 0; job.repeatsWhileDeciding--) {
            answerRepeat(job);
        }
        checkDrainDone();
    }

    private void accept(TrackedJob job, JobClaim claim) {
        ParticipantSpec participant;
        String agentName;
        try {
            agentName = Objects.requireNonNullElse(claim.agentName(), "");
            participant = claim.participant();
        } catch (RuntimeException e) {
            log.error("JobClaim for job {} failed; declining it", job, e);
            release(claim, job);
            decline(job, DeclineReason.ERROR, AgentEndpoint.describe(e));
            return;
        }
        job.claim = claim;
        job.agentName = agentName;
        job.participant = participant != null ? participant : ParticipantSpec.forJob(job.jobId, agentName);
        job.phase = TrackedJob.Phase.ACCEPTED;
        sendAvailability(job, true);
        log.info("Accepted job {} in room '{}' for agent '{}'", job.jobId, job.job.roomName(), agentName);
        publish(new OpenRtcEvent.JobAccepted(Instant.now(), job.job, agentName));
        job.assignmentTimer = schedule(() -> assignmentTimedOut(job), options.assignmentTimeout());
        sendStatus();
    }

    private void decline(TrackedJob job, DeclineReason reason, String detail) {
        job.settle(TrackedJob.Phase.DECLINED, System.nanoTime());
        sendAvailability(job, false);
        log.debug("Declined job {} ({}: {})", job, reason.tag(), detail);
        publish(new OpenRtcEvent.JobDeclined(Instant.now(), job.job, reason, detail));
    }

    /**
     * Answers a repeated availability request, on the current connection: the same answer as
     * before, except that a job already assigned or finished, or one first offered on an
     * earlier connection (its assignment could only have come on that one), is declined.
     */
    private void answerRepeat(TrackedJob job) {
        sendAvailability(job, job.phase == TrackedJob.Phase.ACCEPTED && job.connection == connection, true);
    }

    private void sendAvailability(TrackedJob job, boolean available) {
        sendAvailability(job, available, false);
    }

    /** @param askedHere the current connection asked about the job (else only the one it was offered on did) */
    private void sendAvailability(TrackedJob job, boolean available, boolean askedHere) {
        if (!registered || socket == null || (!askedHere && job.connection != connection)) {
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
        socket.send(WorkerMessage.newBuilder().setAvailability(answer).build());
    }

    private void assignmentTimedOut(TrackedJob job) {
        if (job.phase == TrackedJob.Phase.ACCEPTED) {
            expire(job, "no assignment from LiveKit within " + options.assignmentTimeout().toMillis() + " ms");
        }
    }

    /** Gives an accepted job's reserved slot back; its assignment will not be honoured. */
    private void expire(TrackedJob job, String why) {
        job.settle(TrackedJob.Phase.EXPIRED, System.nanoTime());
        release(job.claim, job);
        if (stopped || drain != null) {
            log.info("Released the slot reserved for job {}: {}", job, why);
        } else {
            log.warn("Released the slot reserved for job {}: {}", job, why);
        }
        sendStatus();
        checkDrainDone();
    }

    private static void release(JobClaim claim, TrackedJob job) {
        try {
            claim.release();
        } catch (RuntimeException e) {
            log.error("JobClaim.release failed for job {}", job, e);
        }
    }

    private void assignment(LivekitAgent.JobAssignment assignment) {
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
            warnProtocol("LiveKit assigned job {} (room '{}'), which this worker {}; reporting it failed, not joining",
                    abbreviated(jobId), abbreviated(assignment.getJob().getRoom().getName()),
                    job == null ? "was never offered" : job.phase == TrackedJob.Phase.DECLINED ? "declined"
                            : "holds no slot for any more (" + job.phase + ")");
            sendJobStatus(jobId, JobStatus.JS_FAILED, NOT_ACCEPTED);
            if (job == null) {
                TrackedJob refused = new TrackedJob(ProtoJobs.toJobInfo(assignment.getJob()), System.nanoTime(), connection);
                refused.settle(TrackedJob.Phase.REFUSED, System.nanoTime());
                jobs.put(jobId, refused);
            }
            return;
        }
        cancel(job.assignmentTimer);
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
                post(() -> launchFailed(job, e));
                return;
            }
            post(() -> launched(job, handle));
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
        handle.running().whenComplete((ignored, error) -> post(() -> running(job)));
        handle.outcome().whenComplete((outcome, error) -> post(() -> ended(job, outcome, error)));
    }

    private void launchFailed(TrackedJob job, Throwable error) {
        log.error("Session for job {} could not be launched", job, error);
        job.settle(TrackedJob.Phase.ENDED, System.nanoTime());
        sendJobStatus(job, JobStatus.JS_FAILED, "session could not start: " + AgentEndpoint.describe(error));
        sendStatus();
        checkDrainDone();
    }

    private void running(TrackedJob job) {
        if (job.phase != TrackedJob.Phase.ASSIGNED) {
            return;
        }
        job.phase = TrackedJob.Phase.RUNNING;
        sendJobStatus(job, JobStatus.JS_RUNNING, "");
        Duration sinceOffer = Duration.ofNanos(System.nanoTime() - job.offeredNanos);
        publish(new OpenRtcEvent.SessionRunning(Instant.now(), new SessionInfo(job.job, job.agentName, job.assignedAt),
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
        switch (outcome) {
            case SessionOutcome.Success s -> sendJobStatus(job, JobStatus.JS_SUCCESS, "");
            case SessionOutcome.Failed f -> sendJobStatus(job, JobStatus.JS_FAILED, f.message());
            case SessionOutcome.Cancelled c -> sendJobStatus(job, JobStatus.JS_SUCCESS, "");
        }
        log.info("Job {} in room '{}' ended: {}", job.jobId, job.job.roomName(), outcome.label());
        if (drain != null) {
            if (!job.cancelledByDrain) {
                drain.completed++;
            }
        }
        sendStatus();
        checkDrainDone();
    }

    private void termination(String jobId) {
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
        schedule(() -> {
            if (job.phase.active()) {
                cancelSession(job, "job terminated by LiveKit");
            }
        }, options.terminationGrace());
    }

    private void cancelSession(TrackedJob job, String reason) {
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
        if (!registered || socket == null) {
            return;
        }
        socket.send(WorkerMessage.newBuilder().setUpdateJob(UpdateJobStatus.newBuilder()
                .setJobId(jobId).setStatus(status).setError(error))
                .build());
    }

    private int activeJobs() {
        int active = 0;
        for (TrackedJob job : jobs.values()) {
            if (job.phase.active()) {
                active++;
            }
        }
        return active;
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

    // ---------------------------------------------------------------- drain and stop

    private void beginDrain(String reason, Duration timeout) {
        if (stopped) {
            completeDrain(DrainResult.nothingToDrain());
            return;
        }
        drain = new Drain(reason);
        draining = true;
        cancel(reconnectTimer); // a draining worker does not come back
        reconnectTimer = null;
        log.info("LiveKit worker draining ({}): declining new jobs, waiting up to {} ms for {} active jobs", reason,
                timeout.toMillis(), activeJobs());
        publish(new OpenRtcEvent.DrainStarted(Instant.now(), reason, timeout));
        sendStatus();
        drain.deadline = schedule(this::drainDeadline, timeout);
        checkDrainDone();
    }

    private void drainDeadline() {
        if (drain == null || drain.finished) {
            return;
        }
        for (TrackedJob job : List.copyOf(jobs.values())) {
            if (job.phase == TrackedJob.Phase.ACCEPTED) {
                expire(job, "the drain timed out before the assignment");
            } else if (job.phase == TrackedJob.Phase.ASSIGNED || job.phase == TrackedJob.Phase.RUNNING) {
                job.cancelledByDrain = true;
                drain.cancelled++;
                cancelSession(job, "drain timeout");
            }
        }
        if (drain.finished) {
            return;
        }
        if (activeJobs() == 0) {
            finishDrain();
        } else {
            log.warn("Drain timed out; cancelled {} sessions, giving them {} ms to end", drain.cancelled,
                    options.cancelGrace().toMillis());
            drain.grace = schedule(this::finishDrain, options.cancelGrace());
        }
    }

    private void checkDrainDone() {
        if (!stopped && drain != null && !drain.finished && activeJobs() == 0 && !deciding()) {
            finishDrain();
        }
    }

    /** Whether an admission is still deciding an offer; the drain answers it before closing. */
    private boolean deciding() {
        for (TrackedJob job : jobs.values()) {
            if (job.phase == TrackedJob.Phase.OFFERED) {
                return true;
            }
        }
        return false;
    }

    private void finishDrain() {
        if (drain.finished) {
            return;
        }
        drain.finished = true;
        cancel(drain.deadline);
        cancel(drain.grace);
        int abandoned = 0;
        for (TrackedJob job : jobs.values()) {
            if (job.cancelledByDrain && job.phase != TrackedJob.Phase.ENDED) {
                abandoned++;
            }
        }
        DrainResult result = new DrainResult(drain.completed, drain.cancelled, abandoned,
                Duration.ofNanos(System.nanoTime() - drain.startNanos));
        log.info("LiveKit worker drained: {} sessions completed, {} cancelled, {} abandoned, in {} ms", result.completed(),
                result.cancelled(), result.abandoned(), result.took().toMillis());
        publish(new OpenRtcEvent.DrainFinished(Instant.now(), result.completed(), result.cancelled()));
        closeAndStop("worker drained").whenComplete((v, e) -> completeDrain(result));
    }

    private void completeDrain(DrainResult result) {
        CompletableFuture<DrainResult> target;
        synchronized (this) {
            target = drainResult;
        }
        if (target != null) {
            target.complete(result);
        }
    }

    private CompletableFuture<Void> stopNow(String reason) {
        if (stopped) {
            return CompletableFuture.completedFuture(null);
        }
        stopped = true;
        for (TrackedJob job : List.copyOf(jobs.values())) {
            if (job.phase == TrackedJob.Phase.ACCEPTED) {
                expire(job, reason);
            } else if (job.phase == TrackedJob.Phase.ASSIGNED || job.phase == TrackedJob.Phase.RUNNING) {
                cancelSession(job, reason);
            }
        }
        if (drain != null && !drain.finished) {
            drain.finished = true;
            completeDrain(new DrainResult(drain.completed, drain.cancelled, activeJobs(),
                    Duration.ofNanos(System.nanoTime() - drain.startNanos)));
        }
        firstAttempt.complete(null);
        return closeAndStop(reason);
    }

    /** Closes the socket with 1000 after what is queued, then releases the threads. */
    private CompletableFuture<Void> closeAndStop(String reason) {
        stopped = true;
        cancel(reconnectTimer);
        WorkerSocket open = socket;
        socket = null;
        dropConnection(reason);
        setState(ConnectionState.STOPPED);
        CompletableFuture<Void> closed = open == null ? CompletableFuture.completedFuture(null)
                : open.close(1000, reason).orTimeout(CLOSE_HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        .exceptionally(e -> null);
        return closed.whenComplete((v, e) -> {
            if (open != null) {
                open.abort(reason);
            }
            http.shutdownNow();
            loop.shutdown();
        });
    }

    // ---------------------------------------------------------------- plumbing

    private void setState(ConnectionState next) {
        if (state != next) {
            state = next;
            since = Instant.now();
        }
    }

    private void publish(OpenRtcEvent event) {
        events.publish(event);
    }

    private boolean post(Runnable task) {
        try {
            loop.execute(guarded(task));
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        try {
            return loop.schedule(guarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("LiveKit worker internal error", e);
            }
        };
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** Bridges socket callbacks (HTTP client threads) onto the loop, tagged with their connection. */
    private final class SocketEvents implements WorkerSocket.Handler {
        private final long attempt;

        SocketEvents(long attempt) {
            this.attempt = attempt;
        }

        @Override
        public void onMessage(ServerMessage message) {
            post(() -> received(attempt, message));
        }

        @Override
        public void onMalformed(String detail) {
            post(() -> malformed(attempt, detail));
        }

        @Override
        public void onClosed(String reason) {
            post(() -> socketClosed(attempt, reason));
        }
    }
}
