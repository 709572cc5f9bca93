package io.openrtc.pool;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.worker.JobAssignment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The child side of process isolation. A session-host JVM is started by the pool from the
 * worker's own classpath and main class with the system property
 * {@code openrtc.role=session-host}; its main method must then serve one session instead of
 * starting a worker:
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     SessionBody body = ...;                  // the same body the worker's pool uses
 *     if (SessionHost.isSessionHost()) {
 *         SessionHost.serve(body, prewarm);
 *         return;
 *     }
 *     // ... start the worker and its SessionPool as usual
 * }
 * }</pre>
 *
 * A Spring Boot application does not write this: the auto-configuration sees the role and
 * serves instead of connecting a worker and starting the web server.
 *
 * <p>While it serves, a session host ignores SIGTERM, SIGINT and SIGHUP: the worker drives its
 * end (its drain, a cancel, or its socket closing when it goes away), so a signal to the whole
 * process group cannot end a call before the worker's drain has let it finish.
 */
public final class SessionHost {

    /** The system property that gives a JVM its role. */
    public static final String ROLE_PROPERTY = "openrtc.role";
    /** The {@link #ROLE_PROPERTY} value of a session-host child JVM. */
    public static final String ROLE = "session-host";
    /** The system property with the path of the Unix domain socket to the parent pool. */
    public static final String SOCKET_PROPERTY = "openrtc.session-host.socket";

    private static final Logger log = LoggerFactory.getLogger(SessionHost.class);
    /** How long an orphaned session may take to answer its cancel before this JVM exits anyway. */
    private static final Duration ORPHAN_GRACE = Duration.ofSeconds(10);

    private SessionHost() {
    }

    /** Whether this JVM was started as a session host ({@code -Dopenrtc.role=session-host}). */
    public static boolean isSessionHost() {
        return ROLE.equals(System.getProperty(ROLE_PROPERTY));
    }

    /** {@link #serve(SessionBody, Prewarm)} without a prewarm. */
    public static void serve(SessionBody body) {
        serve(body, Prewarm.NONE);
    }

    /**
     * Serves this JVM's one session for its parent pool: connects to the parent's socket, runs
     * {@code prewarm}, reports ready, waits for the job, runs {@code body} on a virtual thread
     * (exactly as coroutine isolation does), reports running and the outcome. Returns when the
     * outcome is reported, or at once when the parent retires this host unused; the caller then
     * lets the JVM exit (the parent kills a host that lingers). If the parent goes away
     * mid-session, the session is cancelled and this JVM exits on its own.
     *
     * @throws IllegalStateException if this JVM is not a session host, or the prewarm failed
     * @throws UncheckedIOException  if the parent cannot be reached
     */
    public static void serve(SessionBody body, Prewarm prewarm) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(prewarm, "prewarm");
        if (!isSessionHost()) {
            throw new IllegalStateException("Not a session host: " + ROLE_PROPERTY + " is not '" + ROLE + "'");
        }
        String socket = System.getProperty(SOCKET_PROPERTY);
        if (socket == null || socket.isBlank()) {
            throw new IllegalStateException("A session host needs -D" + SOCKET_PROPERTY + "; it is set by the pool "
                    + "that starts it");
        }
        // From here on the worker decides when this JVM ends: a signal to the whole process group
        // must not cut the session short of the worker's drain.
        ParentDrivenShutdown.install();
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                FrameChannel frames = new FrameChannel(channel);
                SharedResources resources = new SharedResources()) {
            try {
                prewarm.prewarm(resources);
            } catch (Exception e) {
                throw new IllegalStateException("The session host's prewarm failed: " + e.getMessage(), e);
            }
            warmUp();
            long pid = ProcessHandle.current().pid();
            frames.send(new HostMessage.Ready(pid));
            HostMessage first = frames.receive();
            if (first == null) {
                log.debug("Session host pid {} retired without a job", pid);
                return;
            }
            if (!(first instanceof HostMessage.Job job)) {
                throw new IllegalStateException("Expected a job from the pool, got " + first);
            }
            runSession(body, job.request(), frames, resources);
        } catch (IOException e) {
            throw new UncheckedIOException("The session host lost its connection to the pool at " + socket, e);
        }
    }

    /**
     * Runs the session path once with an empty body before reporting ready, so that the first
     * real job does not pay for loading these classes and starting the first virtual thread.
     */
    private static void warmUp() throws IOException {
        JobInfo job = JobInfo.forRoom("AJ_warmup", "warmup", "", "");
        SessionRequest request = new SessionRequest(
                new JobAssignment(job, URI.create("ws://localhost"), "-", "-"), "warmup", Instant.now());
        HostProtocol.decode(HostProtocol.encode(new HostMessage.Job(request)));
        HostProtocol.decode(HostProtocol.encode(new HostMessage.Running()));
        CompletableFuture<SessionOutcome> outcome = new CompletableFuture<>();
        RunControl control = new RunControl(new SharedResources(), () -> {
        });
        Thread.ofVirtual().name(request.threadName()).start(() -> outcome.complete(
                SessionRun.run((r, c) -> c.running(), request, control, Instant.now())));
        HostProtocol.decode(HostProtocol.encode(HostMessage.ending(outcome.join())));
        HostProtocol.decode(HostProtocol.encode(HostMessage.ending(new SessionOutcome.Failed(
                new IllegalStateException("warm-up"), Instant.now(), Instant.now()))));
    }

    private static void runSession(SessionBody body, SessionRequest request, FrameChannel frames,
            SharedResources resources) throws IOException {
        RunControl control = new RunControl(resources, () -> {
            try {
                frames.send(new HostMessage.Running());
            } catch (IOException e) {
                log.warn("Could not report session {} running: {}", request.job().jobId(), e.toString());
            }
        }, metric -> {
            try {
                frames.send(new HostMessage.Measured(metric));
            } catch (IOException e) {
                log.debug("Could not report a voice metric of session {}: {}", request.job().jobId(), e.toString());
            }
        });
        Instant startedAt = Instant.now();
        CompletableFuture<SessionOutcome> outcome = new CompletableFuture<>();
        Thread session = Thread.ofVirtual().name(request.threadName())
                .start(() -> outcome.complete(SessionRun.run(body, request, control, startedAt)));
        CompletableFuture<Void> parentGone = new CompletableFuture<>();
        Thread.ofVirtual().name("openrtc-session-host-control").start(() -> {
            try {
                HostMessage message;
                while ((message = frames.receive()) != null) {
                    if (message instanceof HostMessage.Cancel cancel) {
                        control.cancel(cancel.reason());
                        session.interrupt();
                    }
                }
            } catch (IOException e) {
                if (outcome.isDone()) {
                    return; // our own close after reporting
                }
            }
            if (!outcome.isDone()) {
                parentGone.complete(null);
                control.cancel("the worker that started this session host went away");
                session.interrupt();
                awaitOrExit(outcome); // an orphan must not outlive its session for long
            }
        });
        SessionOutcome result = outcome.join();
        if (parentGone.isDone()) {
            exitOrphan();
        }
        try {
            frames.send(HostMessage.ending(result));
        } catch (IOException e) {
            log.warn("Could not report the outcome of session {}: {}", request.job().jobId(), e.toString());
        }
    }

    private static void exitOrphan() {
        log.error("The worker that started this session host went away; exiting");
        System.exit(3);
    }

    /** The session ignores its cancel and its worker is gone: wait a bounded time, then exit. */
    private static void awaitOrExit(CompletableFuture<?> done) {
        try {
            done.get(ORPHAN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | InterruptedException | ExecutionException e) {
            exitOrphan();
        }
    }
}
