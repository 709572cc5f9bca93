package io.openrtc.pool;

import io.openrtc.agent.SessionOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process isolation: each session in its own child JVM. Keeps {@code openrtc.process.idle-processes}
 * children booted, prewarmed and connected, so a job only waits for a JVM start when more jobs
 * arrive at once than there are idle children. Watches every child's resident memory against
 * {@code openrtc.process.memory-limit}.
 */
final class ProcessIsolator implements Isolator {

    private static final Logger log = LoggerFactory.getLogger(ProcessIsolator.class);
    private static final Duration RSS_CHECK_INTERVAL = Duration.ofMillis(250);
    private static final Duration MAX_RESPAWN_BACKOFF = Duration.ofSeconds(30);
    /** Longer than a child's exit grace plus its kill, so closing normally finds them all gone. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);

    private final PoolOptions.ProcessOptions options;
    private final ScheduledExecutorService timers;
    private final ChildCommand command;
    private final Path socketDir;
    private final ScheduledFuture<?> rssWatch;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition childGone = lock.newCondition();
    private final Deque<ChildProcess> idle = new ArrayDeque<>();
    private final StartGate startGate = StartGate.forThisMachine();
    private final Set<ChildProcess> live = new LinkedHashSet<>();
    private int startingForIdle;
    private int nextNumber;
    private int spawnFailures;
    private boolean respawnScheduled;
    private boolean preparing = true;
    private boolean closed;

    ProcessIsolator(PoolOptions options, ScheduledExecutorService timers) throws IOException {
        this.options = options.process();
        this.timers = timers;
        this.command = ChildCommand.of(this.options);
        // Only this user may reach the children's sockets: the job tokens travel through them.
        this.socketDir = Files.createTempDirectory("openrtc-pool-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        OptionalLong limit = this.options.memoryLimitBytes();
        if (limit.isPresent() && ResidentMemory.supported()) {
            rssWatch = timers.scheduleWithFixedDelay(() -> checkResidentMemory(limit.getAsLong()),
                    RSS_CHECK_INTERVAL.toMillis(), RSS_CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            rssWatch = null;
            if (limit.isPresent()) {
                log.warn("This system has no /proc: openrtc.process.memory-limit is enforced through -Xmx only");
            }
        }
        log.info("Process isolation: children run {} ({} kept idle)", command.target(), this.options.idleProcesses());
        replenish();
    }

    @Override
    public void launch(PooledSession session) {
        while (true) {
            ChildProcess child;
            lock.lock();
            try {
                child = idle.pollFirst();
            } finally {
                lock.unlock();
            }
            if (child == null) {
                break;
            }
            if (child.assign(session)) {
                log.debug("Job {} handed to prewarmed session host pid {}", session.request().job().jobId(), child.pid());
                replenish();
                return;
            }
        }
        launchCold(session);
        replenish();
    }

    /** No idle child: start one for this session and hand it the job once it is ready. */
    private void launchCold(PooledSession session) {
        log.info("No idle session host for job {}: starting a JVM (raise openrtc.process.idle-processes to avoid "
                + "the wait)", session.request().job().jobId());
        ChildProcess child = spawn();
        // Until the child is ready, a cancel ends the session at once.
        session.attach(new Stopper() {
            @Override
            public void requestStop(String reason) {
                session.settle(new SessionOutcome.Cancelled(reason, session.startedAt(), Instant.now()));
            }

            @Override
            public void forceStop(String reason) {
                requestStop(reason);
            }
        });
        child.ready().whenComplete((ready, error) -> {
            if (error != null) {
                session.settle(new SessionOutcome.Failed(error, session.startedAt(), Instant.now()));
            } else if (session.isSettled()) {
                offerIdle(ready); // cancelled while it booted: keep it for the next job
            } else if (!ready.assign(session)) {
                session.settle(new SessionOutcome.Failed(new SessionProcessException(ready.pid(),
                        "The session-host JVM (pid " + ready.pid() + ") ended before it could take the job"),
                        session.startedAt(), Instant.now()));
            }
        });
    }

    private ChildProcess spawn() {
        int number;
        lock.lock();
        try {
            number = ++nextNumber;
        } finally {
            lock.unlock();
        }
        ChildProcess child = new ChildProcess(number, socketDir.resolve("host-" + number + ".sock"), command,
                options.startTimeout(), startGate, timers, this::childEnded);
        lock.lock();
        try {
            live.add(child);
        } finally {
            lock.unlock();
        }
        child.start();
        return child;
    }

    /** Starts children until {@code idle-processes} are idle or on their way. */
    private void replenish() {
        int toStart;
        lock.lock();
        try {
            if (!preparing || closed || respawnScheduled) {
                return;
            }
            toStart = Math.max(0, options.idleProcesses() - idle.size() - startingForIdle);
            startingForIdle += toStart;
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < toStart; i++) {
            ChildProcess child = spawn();
            child.ready().whenComplete((ready, error) -> {
                lock.lock();
                try {
                    startingForIdle--;
                } finally {
                    lock.unlock();
                }
                if (error == null) {
                    offerIdle(ready);
                } else {
                    idleStartFailed(error);
                }
            });
        }
    }

    private void offerIdle(ChildProcess child) {
        boolean keep;
        lock.lock();
        try {
            keep = preparing && !closed && child.state() == ChildProcess.State.IDLE;
            if (keep) {
                idle.addLast(child);
                spawnFailures = 0;
            }
        } finally {
            lock.unlock();
        }
        if (keep) {
            log.debug("Session host pid {} idle (started in {} ms)", child.pid(), child.startDuration().toMillis());
        } else {
            child.retire();
        }
    }

    /** An idle child could not start: try again later, backing off, so a broken setup does not spin. */
    private void idleStartFailed(Throwable error) {
        Duration delay;
        lock.lock();
        try {
            spawnFailures++;
            delay = Duration.ofSeconds(1L << Math.min(5, spawnFailures - 1));
            if (delay.compareTo(MAX_RESPAWN_BACKOFF) > 0) {
                delay = MAX_RESPAWN_BACKOFF;
            }
            if (respawnScheduled || closed || !preparing) {
                return;
            }
            respawnScheduled = true;
        } finally {
            lock.unlock();
        }
        log.error("A prewarmed session host failed to start; retrying in {} s", delay.toSeconds(), error);
        try {
            timers.schedule(() -> {
                lock.lock();
                try {
                    respawnScheduled = false;
                } finally {
                    lock.unlock();
                }
                replenish();
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException rejected) {
            // shutting down
        }
    }

    private void childEnded(ChildProcess child) {
        boolean wasIdle;
        lock.lock();
        try {
            wasIdle = idle.remove(child);
            live.remove(child);
            childGone.signalAll();
        } finally {
            lock.unlock();
        }
        if (wasIdle) {
            log.warn("Idle session host {} ended", child);
            replenish();
        }
    }

    private void checkResidentMemory(long limitBytes) {
        List<ChildProcess> children;
        lock.lock();
        try {
            children = new ArrayList<>(live);
        } finally {
            lock.unlock();
        }
        for (ChildProcess child : children) {
            long pid = child.pid();
            if (pid > 0 && child.isAlive()) {
                OptionalLong rss = ResidentMemory.ofProcess(pid);
                if (rss.isPresent() && rss.getAsLong() > limitBytes) {
                    child.killForMemory(rss.getAsLong(), limitBytes);
                }
            }
        }
    }

    @Override
    public void stopPreparing() {
        List<ChildProcess> retired;
        lock.lock();
        try {
            preparing = false;
            retired = new ArrayList<>(idle);
            idle.clear();
        } finally {
            lock.unlock();
        }
        retired.forEach(ChildProcess::retire);
    }

    @Override
    public int idleCount() {
        lock.lock();
        try {
            return idle.size();
        } finally {
            lock.unlock();
        }
    }

    private List<ChildProcess> liveChildren() {
        lock.lock();
        try {
            return List.copyOf(live);
        } finally {
            lock.unlock();
        }
    }

    /** Where the children's sockets are, for tests. */
    Path socketDir() {
        return socketDir;
    }

    /** The idle children, for tests that check a job went to a prewarmed one. */
    List<ChildProcess> idleChildren() {
        lock.lock();
        try {
            return List.copyOf(idle);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        stopPreparing();
        List<ChildProcess> remaining;
        lock.lock();
        try {
            closed = true;
            remaining = new ArrayList<>(live);
        } finally {
            lock.unlock();
        }
        if (rssWatch != null) {
            rssWatch.cancel(false);
        }
        for (ChildProcess child : remaining) {
            if (child.state() == ChildProcess.State.BUSY) {
                child.killForCancel("the session pool closed");
            } else {
                child.retire();
            }
        }
        // Wait for every child's reader to reap its process and remove its socket (it then leaves
        // the live set); kill what lingers.
        lock.lock();
        try {
            long remainingNanos = CLOSE_TIMEOUT.toNanos();
            while (!live.isEmpty() && remainingNanos > 0) {
                remainingNanos = childGone.awaitNanos(remainingNanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
        for (ChildProcess child : liveChildren()) {
            log.warn("Session host {} still running after the pool closed; killing it", child);
            child.killForCancel("the session pool closed");
        }
        try (Stream<Path> files = Files.walk(socketDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            log.debug("Could not remove {}: {}", socketDir, e.toString());
        }
    }
}
