package io.openrtc.pool;

import io.openrtc.agent.SessionOutcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session-host child JVM, from its start to its exit. It is started, connects back over its
 * private Unix domain socket, prewarms and says it is ready; then it serves exactly one session
 * (or is retired unused) and exits. One virtual thread per child reads its messages and, when
 * the connection ends, settles its session: with the outcome the child reported, else as
 * cancelled or failed according to why the process died.
 */
final class ChildProcess {

    private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);
    /** The children's own output, forwarded with a prefix naming the session. */
    private static final Logger childLog = LoggerFactory.getLogger("io.openrtc.pool.child");
    /** How long a child that has reported may take to exit before it is killed. */
    private static final Duration EXIT_GRACE = Duration.ofSeconds(5);

    enum State { STARTING, IDLE, BUSY, ENDED }

    /** Why the pool killed a child: decides how its session ends. */
    private sealed interface KillCause {
        record Cancel(String reason) implements KillCause {
        }

        record MemoryLimit(long residentBytes, long limitBytes) implements KillCause {
        }

        record Retired() implements KillCause {
        }
    }

    private final int number;
    private final Path socket;
    private final ChildCommand command;
    private final Duration startTimeout;
    private final StartGate startGate;
    private final ScheduledExecutorService timers;
    private final Consumer<ChildProcess> onEnded;
    private final CompletableFuture<ChildProcess> ready = new CompletableFuture<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicReference<KillCause> killCause = new AtomicReference<>();
    private State state = State.STARTING;
    private PooledSession session;
    private volatile Process process;
    private volatile FrameChannel frames;
    private volatile String label;
    private volatile boolean reported;
    private volatile boolean startTimedOut;
    private volatile boolean stopRequested;
    private volatile long startNanos;
    private volatile long readyNanos;

    ChildProcess(int number, Path socket, ChildCommand command, Duration startTimeout, StartGate startGate,
            ScheduledExecutorService timers, Consumer<ChildProcess> onEnded) {
        this.number = number;
        this.startGate = startGate;
        this.socket = socket;
        this.command = command;
        this.startTimeout = startTimeout;
        this.timers = timers;
        this.onEnded = onEnded;
        this.label = "session-host #" + number;
    }

    /** Starts the JVM in the background; {@link #ready()} completes when it has said it is ready. */
    void start() {
        Thread.ofVirtual().name("openrtc-session-host-" + number).start(this::run);
    }

    /** Completes with this child once it is ready, or exceptionally with why it never became ready. */
    CompletableFuture<ChildProcess> ready() {
        return ready;
    }

    /** The process id, or -1 before the process started. */
    long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    /** From the start of the JVM to its ready message (the JVM start and prewarm cost). */
    Duration startDuration() {
        return readyNanos == 0 ? Duration.ZERO : Duration.ofNanos(readyNanos - startNanos);
    }

    State state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /**
     * Hands {@code s} to this ready child. False if the child is not idle any more (it died or was
     * retired): the caller picks another.
     */
    boolean assign(PooledSession s) {
        lock.lock();
        try {
            if (state != State.IDLE) {
                return false;
            }
            state = State.BUSY;
            session = s;
            s.processId(pid());
            label = s.request().agentName() + " " + s.request().job().jobId() + " pid " + pid();
        } finally {
            lock.unlock();
        }
        try {
            frames.send(new HostMessage.Job(s.request()));
        } catch (IOException e) {
            log.warn("Could not hand job {} to session host pid {}: {}", s.request().job().jobId(), pid(), e.toString());
            kill(null); // the reader then fails the session: the child is gone
        }
        s.attach(new Stopper() {
            @Override
            public void requestStop(String reason) {
                try {
                    frames.send(new HostMessage.Cancel(reason));
                } catch (IOException e) {
                    kill(new KillCause.Cancel(reason));
                }
            }

            @Override
            public void forceStop(String reason) {
                log.warn("Session host {} did not stop within openrtc.cancel-grace; killing it", label);
                kill(new KillCause.Cancel(reason));
            }
        });
        return true;
    }

    /** Lets an idle child go: it exits on its own when its connection closes. */
    void retire() {
        stopRequested = true;
        killCause.compareAndSet(null, new KillCause.Retired());
        FrameChannel f = frames;
        if (f != null) {
            f.close();
        } else {
            kill(null);
        }
    }

    /** Kills a child whose resident memory is over {@code limitBytes}. */
    void killForMemory(long residentBytes, long limitBytes) {
        log.error("Session host {} uses {} resident memory, over openrtc.process.memory-limit ({}): killing it",
                label, ResidentMemory.format(residentBytes), ResidentMemory.format(limitBytes));
        kill(new KillCause.MemoryLimit(residentBytes, limitBytes));
    }

    /** Kills a busy child because its session must end now (the pool is closing). */
    void killForCancel(String reason) {
        kill(new KillCause.Cancel(reason));
    }

    /** Kills the process at once (SIGKILL); {@code cause}, if the first given, decides the outcome. */
    private void kill(KillCause cause) {
        stopRequested = true;
        if (cause != null) {
            killCause.compareAndSet(null, cause);
        }
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    private void run() {
        try {
            // openrtc.process.start-timeout counts from the JVM's start, not from the wait for a turn.
            startGate.enter(() -> stopRequested);
            try {
                connectAndAwaitReady();
            } finally {
                startGate.leave();
            }
            lock.lock();
            try {
                if (state == State.STARTING) {
                    state = State.IDLE;
                }
            } finally {
                lock.unlock();
            }
            ready.complete(this);
            readMessages();
        } catch (Exception e) {
            if (!ready.isDone()) {
                ready.completeExceptionally(startFailure(e));
            } else {
                log.debug("Session host {} connection ended: {}", label, e.toString());
            }
        } finally {
            finish();
        }
    }

    private void connectAndAwaitReady() throws IOException {
        startNanos = System.nanoTime();
        ScheduledFuture<?> timeout = null;
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            ProcessBuilder builder = new ProcessBuilder(command.forSocket(socket));
            Process p = builder.start();
            process = p;
            if (stopRequested) { // retired or killed while the JVM was being started
                p.destroyForcibly();
            }
            label = "session-host pid " + p.pid();
            p.getOutputStream().close(); // nothing comes on stdin: the job travels over the socket
            forward(p.getInputStream(), false);
            forward(p.getErrorStream(), true);
            // A child that dies or hangs before it is ready must not leave accept() or the first read waiting.
            p.onExit().thenRun(() -> closeQuietly(server));
            timeout = timers.schedule(() -> {
                if (!ready.isDone()) {
                    startTimedOut = true;
                    log.warn("Session host {} not ready within openrtc.process.start-timeout ({}); killing it",
                            label, startTimeout);
                    kill(null);
                }
            }, startTimeout.toMillis(), TimeUnit.MILLISECONDS);
            SocketChannel channel = server.accept();
            frames = new FrameChannel(channel);
            HostMessage first = frames.receive();
            if (!(first instanceof HostMessage.Ready)) {
                throw new IOException("expected a ready message, got " + (first == null ? "end of stream" : first));
            }
            readyNanos = System.nanoTime();
            log.debug("Session host pid {} ready in {} ms", p.pid(), startDuration().toMillis());
        } finally {
            if (timeout != null) {
                timeout.cancel(false);
            }
            Files.deleteIfExists(socket);
        }
    }

    private void readMessages() throws IOException {
        HostMessage message;
        while ((message = frames.receive()) != null) {
            PooledSession s = currentSession();
            switch (message) {
                case HostMessage.Running running -> {
                    if (s != null) {
                        s.markRunning();
                    }
                }
                case HostMessage.Measured measured -> {
                    if (s != null) {
                        s.measured(measured.metric());
                    }
                }
                case HostMessage.Succeeded succeeded -> settleReported(s, new SessionOutcome.Success(started(s), Instant.now()));
                case HostMessage.Failed failed -> settleReported(s, new SessionOutcome.Failed(
                        failed.failure().toException(failed.source()), started(s), Instant.now()));
                case HostMessage.Cancelled cancelled -> settleReported(s, new SessionOutcome.Cancelled(
                        cancelled.reason(), started(s), Instant.now()));
                default -> throw new IOException("unexpected message from the session host: " + message);
            }
        }
    }

    private void settleReported(PooledSession s, SessionOutcome outcome) throws IOException {
        if (s == null) {
            throw new IOException("the session host reported an outcome without a job");
        }
        reported = true;
        s.settle(outcome);
    }

    private static Instant started(PooledSession s) {
        return s == null ? Instant.now() : s.startedAt();
    }

    private PooledSession currentSession() {
        lock.lock();
        try {
            return session;
        } finally {
            lock.unlock();
        }
    }

    /** The connection ended: reap the process and settle the session if it did not report. */
    private void finish() {
        PooledSession s;
        lock.lock();
        try {
            state = State.ENDED;
            s = session;
        } finally {
            lock.unlock();
        }
        FrameChannel f = frames;
        if (f != null) {
            f.close();
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // the directory goes with the pool
        }
        Integer exitCode = awaitExit();
        if (s != null && !reported && !s.isSettled()) {
            s.settle(unreportedOutcome(s, exitCode));
        }
        // Only now: the pool's close waits for this, and must not return (and let this JVM exit)
        // while the child is still alive.
        onEnded.accept(this);
    }

    private Integer awaitExit() {
        Process p = process;
        if (p == null) {
            return null;
        }
        try {
            if (!p.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Session host {} did not exit {} after its connection closed; killing it", label, EXIT_GRACE);
                p.destroyForcibly();
                if (!p.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    return null;
                }
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private SessionOutcome unreportedOutcome(PooledSession s, Integer exitCode) {
        Instant now = Instant.now();
        KillCause cause = killCause.get();
        if (cause instanceof KillCause.Cancel cancel) {
            return new SessionOutcome.Cancelled(cancel.reason(), s.startedAt(), now);
        }
        if (cause instanceof KillCause.MemoryLimit memory) {
            // What the session did made its JVM too big: the agent's failure, not the worker's.
            return new SessionOutcome.Failed(new SessionProcessException(pid(), "The session's child JVM (pid " + pid()
                    + ") used " + ResidentMemory.format(memory.residentBytes()) + " of resident memory, over "
                    + "openrtc.process.memory-limit (" + ResidentMemory.format(memory.limitBytes())
                    + "), and was killed", FailureSource.AGENT), s.startedAt(), now);
        }
        return new SessionOutcome.Failed(new SessionProcessException(pid(), "The session's child JVM (pid " + pid()
                + ") " + describeExit(exitCode) + " before reporting an outcome"), s.startedAt(), now);
    }

    private SessionProcessException startFailure(Exception e) {
        Process p = process;
        if (p == null) {
            return new SessionProcessException(-1, "Could not start a session-host JVM: " + e.getMessage(), e);
        }
        try {
            // It may be on its way out (it closed the connection); give it a moment to say how it ended.
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        if (p.isAlive()) {
            p.destroyForcibly();
        }
        Integer exitCode = awaitExit();
        if (killCause.get() instanceof KillCause.MemoryLimit memory) {
            return new SessionProcessException(p.pid(), "The session-host JVM (pid " + p.pid() + ", main "
                    + command.target() + ") used " + ResidentMemory.format(memory.residentBytes())
                    + " of resident memory before it was ready, over openrtc.process.memory-limit ("
                    + ResidentMemory.format(memory.limitBytes()) + "), and was killed: raise the limit above what "
                    + "the application needs to start and prewarm", e);
        }
        String why = startTimedOut ? "was not ready within openrtc.process.start-timeout (" + startTimeout + ")"
                : exitCode != null ? describeExit(exitCode) : "failed (" + e + ")";
        return new SessionProcessException(p.pid(), "The session-host JVM (pid " + p.pid() + ", main "
                + command.target() + ") " + why + " before it was ready. Its output is in the log, prefixed "
                + "[session-host pid " + p.pid() + "]; its main method must call SessionHost.serve(...) when "
                + "SessionHost.isSessionHost() (see openrtc.process.main-class)", e);
    }

    private static String describeExit(Integer exitCode) {
        if (exitCode == null) {
            return "did not exit";
        }
        if (exitCode > 128 && exitCode < 128 + 65) {
            int signal = exitCode - 128;
            return "was killed by signal " + signal + (signal == 9 ? " (SIGKILL)" : signal == 15 ? " (SIGTERM)" : "")
                    + " (exit code " + exitCode + ")";
        }
        return "exited with code " + exitCode;
    }

    private void forward(InputStream stream, boolean stderr) {
        Thread.ofVirtual().name("openrtc-session-host-" + number + (stderr ? "-err" : "-out")).start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (stderr) {
                        childLog.warn("[{}] {}", label, line);
                    } else {
                        childLog.info("[{}] {}", label, line);
                    }
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        });
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
