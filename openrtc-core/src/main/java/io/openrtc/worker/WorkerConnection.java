package io.openrtc.worker;

import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.RateLimitedLog;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import livekit.LivekitAgent;
import livekit.LivekitAgent.MigrateJobRequest;
import livekit.LivekitAgent.RegisterWorkerRequest;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitAgent.WorkerPing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's registration with LiveKit's {@code /agent} endpoint: connects, registers, pings,
 * detects a dead connection, reconnects with {@link ReconnectBackoff}, names its running jobs in
 * a {@code MigrateJobRequest} after re-registering, and closes. Hands what LiveKit asks about
 * jobs to the {@link JobTracker}. Loop-confined, apart from the volatile fields
 * {@link Worker#snapshot()} reads.
 */
final class WorkerConnection {

    // The Worker's category: operators' log configuration and the tests key on it.
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    static final Duration CLOSE_HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);

    private final WorkerOptions options;
    private final AgentEndpoint endpoint;
    private final WorkerLoop loop;
    private final EventPublisher events;
    private final RateLimitedLog protocolWarnings = new RateLimitedLog();
    private final HttpClient http;
    private final Random random = new Random();
    private final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();
    private JobTracker jobs;
    private WorkerDrain drain;

    // Loop-confined.
    private long connection;
    private WorkerSocket socket;
    private boolean registered;
    private boolean stopped;
    private ScheduledFuture<?> reconnectTimer;
    private ScheduledFuture<?> handshakeTimer;
    private ScheduledFuture<?> statusTimer;
    private ScheduledFuture<?> pingTimer;
    private long lastInboundNanos;

    // Read by snapshot() from any thread.
    private volatile ConnectionState state = ConnectionState.STOPPED;
    private volatile Instant since = Instant.now();
    private volatile String workerId = "";
    private volatile String lastError = "";
    private volatile int failedAttempts;

    WorkerConnection(WorkerOptions options, AgentEndpoint endpoint, WorkerLoop loop, EventPublisher events) {
        this.options = options;
        this.endpoint = endpoint;
        this.loop = loop;
        this.events = events;
        this.http = HttpClient.newBuilder().connectTimeout(options.connectTimeout()).build();
    }

    /** The two need each other (LiveKit's messages go to the jobs, the jobs' answers back). */
    void attach(JobTracker jobs, WorkerDrain drain) {
        this.jobs = jobs;
        this.drain = drain;
    }

    /** Completes at the first registration or the first retry; exceptionally when retrying cannot help. */
    CompletableFuture<Void> firstAttempt() {
        return firstAttempt;
    }

    /** The current connection's number; a job remembers the one it was offered on. */
    long id() {
        return connection;
    }

    boolean stopped() {
        return stopped;
    }

    void markStopped() {
        stopped = true;
    }

    /** Whether messages can be sent: the current socket is registered. */
    boolean canSend() {
        return registered && socket != null;
    }

    void send(WorkerMessage message) {
        socket.send(message);
    }

    /** Sends like {@link #send}; completes once the frame is written. */
    java.util.concurrent.CompletableFuture<Void> sendWritten(WorkerMessage message) {
        return socket.sendWritten(message);
    }

    /** A draining worker does not come back after a drop. */
    void cancelReconnect() {
        WorkerLoop.cancel(reconnectTimer);
        reconnectTimer = null;
    }

    ConnectionState state() {
        return state;
    }

    Instant since() {
        return since;
    }

    String workerId() {
        return workerId;
    }

    String lastError() {
        return lastError;
    }

    int failedAttempts() {
        return failedAttempts;
    }

    void connect() {
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
        handshakeTimer = loop.schedule(() -> handshakeTimedOut(attempt, "could not open " + endpoint.agentUri() + " within "
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
                    if (!loop.post(() -> opened(attempt, opened, error)) && opened != null) {
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
            if (failure.rejected()) {
                events.publish(new OpenRtcEvent.WorkerRejected(Instant.now(), failure.message()));
            }
            lost(failure.message(), failure.definitive());
            return;
        }
        socket = opened;
        lastInboundNanos = System.nanoTime();
        WorkerLoop.cancel(handshakeTimer);
        handshakeTimer = loop.schedule(() -> handshakeTimedOut(attempt, "no registration answer from " + endpoint.agentUri()
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
        WorkerLoop.cancel(handshakeTimer);
        workerId = response.getWorkerId();
        failedAttempts = 0;
        setState(ConnectionState.REGISTERED);
        log.info("LiveKit worker registered as {} with LiveKit {} at {} (agent name '{}', {} jobs)", workerId,
                response.getServerInfo().getVersion(), endpoint.agentUri(), options.agentName(), options.jobType());
        events.publish(new OpenRtcEvent.WorkerRegistered(Instant.now(), workerId));
        reportActiveJobs();
        jobs.sendStatus();
        statusTimer = loop.every(jobs::statusTick, options.statusInterval());
        pingTimer = loop.every(this::pingTick, options.pingInterval());
        firstAttempt.complete(null);
    }

    /**
     * After a registration, names the jobs whose sessions run here (assigned or running) in one
     * {@code MigrateJobRequest}, as the reference worker does after a reconnect; nothing when none.
     */
    private void reportActiveJobs() {
        List<String> running = new ArrayList<>();
        for (TrackedJob job : jobs.all()) {
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
        for (TrackedJob job : List.copyOf(jobs.all())) {
            if (job.phase == TrackedJob.Phase.ACCEPTED) {
                jobs.expire(job, "the connection to LiveKit was lost before the assignment");
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
        if (drain.active()) {
            log.warn("LiveKit worker lost its connection while draining ({}); not reconnecting", reason);
            setState(ConnectionState.DISCONNECTED);
            return;
        }
        failedAttempts++;
        Duration delay = options.reconnectBackoff().delay(failedAttempts, random);
        setState(ConnectionState.DISCONNECTED);
        log.warn("LiveKit worker {}: {}; retrying in {} ms (attempt {})",
                wasRegistered ? "disconnected" : "could not connect", reason, delay.toMillis(), failedAttempts + 1);
        events.publish(new OpenRtcEvent.WorkerDisconnected(Instant.now(), reason, failedAttempts, delay));
        firstAttempt.complete(null);
        reconnectTimer = loop.schedule(this::connect, delay);
    }

    /** Forgets the current socket (aborting it) and its timers; later events from it are ignored. */
    private void dropConnection(String why) {
        connection++;
        registered = false;
        workerId = "";
        WorkerLoop.cancel(handshakeTimer);
        WorkerLoop.cancel(statusTimer);
        WorkerLoop.cancel(pingTimer);
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
                    jobs.availability(message.getAvailability().getJob());
                }
            }
            case ASSIGNMENT -> jobs.assignment(message.getAssignment());
            case TERMINATION -> jobs.termination(message.getTermination().getJobId());
            case PONG -> log.trace("pong from LiveKit");
            case MESSAGE_NOT_SET -> log.debug("Ignoring a message from LiveKit of a kind this worker does not know");
        }
    }

    /**
     * Warns of something LiveKit sent that the worker cannot use, at most once per
     * {@link RateLimitedLog#INTERVAL}: a misbehaving server must not flood the log.
     */
    void warnProtocol(String format, Object... args) {
        long heldBack = protocolWarnings.permit();
        if (heldBack < 0) {
            log.debug(format, args);
            return;
        }
        log.warn(heldBack == 0 ? format : format + " ({} more such warnings held back)", heldBack == 0 ? args
                : java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of(heldBack)).toArray());
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

    /** Closes the socket with 1000 after what is queued, then releases the threads. */
    CompletableFuture<Void> closeAndStop(String reason) {
        stopped = true;
        WorkerLoop.cancel(reconnectTimer);
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

    private void setState(ConnectionState next) {
        if (state != next) {
            state = next;
            since = Instant.now();
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
            loop.post(() -> received(attempt, message));
        }

        @Override
        public void onMalformed(String detail) {
            loop.post(() -> malformed(attempt, detail));
        }

        @Override
        public void onClosed(String reason) {
            loop.post(() -> socketClosed(attempt, reason));
        }
    }
}
