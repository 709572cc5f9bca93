package io.openrtc.pool;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.SessionInfo;
import io.openrtc.worker.SessionHandle;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One launched session as the pool and the worker track it, whatever its isolation mode. Its
 * outcome is settled exactly once; the pool's bookkeeping (capacity, supervisor, events) is done
 * before the outcome completes, so whoever waits on the outcome sees the pool already updated.
 */
final class PooledSession implements SessionHandle {

    /** What the pool does when a session changes state. */
    interface Listener {
        void sessionEnded(PooledSession session, SessionOutcome outcome);

        /** The session's voice measured something. */
        void sessionMeasured(PooledSession session, io.openrtc.observe.VoiceMetric metric);

        /** Runs {@code task} after {@code openrtc.cancel-grace}. */
        void afterCancelGrace(Runnable task);

        /**
         * The session was given up while its thread still runs (it ignored its interrupt): it
         * keeps a slot until {@link #threadEnded} says the thread is gone.
         */
        void sessionAbandoned(PooledSession session);

        /** The thread of a session given up has ended at last: its slot is free. */
        void abandonedThreadEnded(PooledSession session);
    }

    private final long id;
    private final SessionRequest request;
    private final SessionInfo info;
    private final Listener listener;
    private final boolean trial;
    private final CompletableFuture<Void> running = new CompletableFuture<>();
    private final CompletableFuture<SessionOutcome> outcome = new CompletableFuture<>();
    private final CompletableFuture<SessionOutcome> ending = new CompletableFuture<>();
    private final CompletableFuture<Void> endReported = new CompletableFuture<>();
    private final AtomicBoolean settled = new AtomicBoolean();
    private final AtomicReference<String> cancelReason = new AtomicReference<>();
    private final AtomicBoolean abandoned = new AtomicBoolean();
    private final AtomicBoolean threadEnded = new AtomicBoolean();
    private volatile Stopper stopper;
    private volatile long processId = -1;

    PooledSession(long id, SessionRequest request, Instant startedAt, Listener listener) {
        this(id, request, startedAt, listener, false);
    }

    /** {@code trial}: the one session let through to an agent out of service (see {@link Supervisor}). */
    PooledSession(long id, SessionRequest request, Instant startedAt, Listener listener, boolean trial) {
        this.id = id;
        this.request = request;
        this.info = new SessionInfo(request.job(), request.agentName(), startedAt, request.tenant());
        this.listener = listener;
        this.trial = trial;
    }

    long id() {
        return id;
    }

    /** Whether this is its agent's trial session after the agent went out of service. */
    boolean isTrial() {
        return trial;
    }

    SessionRequest request() {
        return request;
    }

    SessionInfo info() {
        return info;
    }

    Instant startedAt() {
        return info.startedAt();
    }

    /** The child JVM serving this session (process isolation), or -1. */
    long processId() {
        return processId;
    }

    void processId(long pid) {
        this.processId = pid;
        // The cost monitor reads the child's CPU time by its pid (JFR in this JVM cannot see it).
        io.openrtc.cost.SessionThreads.processStarted(
                new io.openrtc.cost.SessionKey(request.job().jobId(), request.agentName(), request.tenant()), pid);
    }

    boolean isSettled() {
        return settled.get();
    }

    /** The reason this session was cancelled with, or null. */
    String cancelReason() {
        return cancelReason.get();
    }

    @Override
    public CompletionStage<Void> running() {
        return running.minimalCompletionStage();
    }

    @Override
    public CompletionStage<SessionOutcome> outcome() {
        return outcome.minimalCompletionStage();
    }

    @Override
    public CompletionStage<SessionOutcome> ending() {
        return ending.minimalCompletionStage();
    }

    /**
     * The body is about to end with {@code result} and leave its room (ignored once settled);
     * completes once the worker has sent the job's end ({@link #endReported()}).
     */
    CompletableFuture<Void> ending(SessionOutcome result) {
        if (!settled.get()) {
            ending.complete(result);
        }
        return endReported;
    }

    @Override
    public boolean leftParticipantBehind(SessionOutcome outcome) {
        return SessionProcessException.diedWhileRunning(outcome);
    }

    @Override
    public void endReported() {
        endReported.complete(null);
    }

    @Override
    public void cancel(String reason) {
        String why = reason == null || reason.isBlank() ? "cancelled" : reason;
        if (settled.get() || !cancelReason.compareAndSet(null, why)) {
            return;
        }
        Stopper current = stopper;
        if (current != null) {
            current.requestStop(why);
        }
        listener.afterCancelGrace(() -> {
            if (!settled.get()) {
                Stopper late = stopper;
                if (late != null) {
                    late.forceStop(why);
                } else {
                    settle(new SessionOutcome.Cancelled(why, startedAt(), Instant.now()));
                }
            }
        });
    }

    /** Called by the isolation mode once it can stop the session; replays an earlier cancel. */
    void attach(Stopper stopper) {
        this.stopper = stopper;
        String reason = cancelReason.get();
        if (reason != null) {
            stopper.requestStop(reason);
        }
    }

    /** The body's voice measured something (ignored once the session ended). */
    void measured(io.openrtc.observe.VoiceMetric metric) {
        if (!settled.get()) {
            listener.sessionMeasured(this, metric);
        }
    }

    /** The body signalled running. */
    void markRunning() {
        if (!settled.get()) {
            running.complete(null);
        }
    }

    /**
     * The isolation mode gives the session up while its thread still runs: it keeps its slot
     * (and is counted as abandoned) until {@link #threadEnded()}. False if the thread had ended
     * already, so there is nothing to give up.
     */
    boolean abandon() {
        if (!abandoned.compareAndSet(false, true)) {
            return false;
        }
        listener.sessionAbandoned(this);
        if (threadEnded.get()) {
            // It ended in the meantime: either that end or this call frees the slot, never neither.
            listener.abandonedThreadEnded(this);
            return false;
        }
        return true;
    }

    /** The session's thread has ended (whether or not the session was given up). Idempotent. */
    void threadEnded() {
        if (threadEnded.compareAndSet(false, true) && abandoned.get()) {
            listener.abandonedThreadEnded(this);
        }
    }

    /** Ends the session with {@code result}; false if it had already ended. */
    boolean settle(SessionOutcome result) {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        if (processId >= 0) {
            io.openrtc.cost.SessionThreads.processEnded(processId);
        }
        try {
            listener.sessionEnded(this, result);
        } finally {
            ending.complete(result);
            endReported.complete(null);
            outcome.complete(result);
        }
        return true;
    }

    @Override
    public String toString() {
        return "session " + request.job().jobId() + " (agent " + request.agentName() + ", tenant " + request.tenant() + ")";
    }
}
