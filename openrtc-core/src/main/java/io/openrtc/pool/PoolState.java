package io.openrtc.pool;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.DrainResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pool's books, shared by {@link SessionPool}, its {@link PoolClaim}s and its
 * {@link PoolDrain}: which sessions run, how many slots are reserved, which sessions were given
 * up while their threads still run, and where a drain stands.
 * Every field is guarded by {@link #lock}; {@link #changed} is signalled whenever a slot frees
 * or a claim is settled, which is what a drain waits for.
 */
final class PoolState {

    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();

    private final int capacity;
    private final Map<Long, PooledSession> active = new LinkedHashMap<>();
    private final Map<String, Integer> activeByAgent = new TreeMap<>();
    private final Set<PooledSession> abandoned = new LinkedHashSet<>();
    private final Map<String, Integer> reservedByTenant = new TreeMap<>();
    private int reserved;
    private long nextSessionId;
    private CompletableFuture<DrainResult> drain;
    private boolean drainDeadlinePassed;
    private int drainCompleted;
    private int drainCancelled;
    private boolean closed;

    PoolState(int capacity) {
        this.capacity = capacity;
    }

    // Everything below: call with the lock held.

    /**
     * Slots taken: running sessions, reserved ones, and sessions given up whose threads still
     * run (they hold their room's memory and threads until then, whatever their outcome says).
     */
    int taken() {
        return active.size() + reserved + abandoned.size();
    }

    boolean hasFreeSlot() {
        return taken() < capacity;
    }

    double load() {
        return Math.min(1.0, taken() / (double) capacity);
    }

    int active() {
        return active.size();
    }

    int reserved() {
        return reserved;
    }

    Map<String, Integer> activeByAgent() {
        return activeByAgent;
    }

    List<PooledSession> activeSessions() {
        return new ArrayList<>(active.values());
    }

    /** Whether running or reserved sessions remain (what a drain waits for). */
    boolean busy() {
        return !active.isEmpty() || reserved > 0;
    }

    void reserve(String tenant) {
        reserved++;
        reservedByTenant.merge(tenant, 1, Integer::sum);
    }

    void unreserve(String tenant) {
        reserved--;
        reservedByTenant.computeIfPresent(tenant, (t, n) -> n == 1 ? null : n - 1);
        changed.signalAll();
    }

    /**
     * Slots {@code tenant} takes: its running sessions, its reserved ones and its sessions given
     * up whose threads still run (as {@link #taken()} counts them for the worker).
     */
    int takenBy(String tenant) {
        int taken = reservedByTenant.getOrDefault(tenant, 0);
        for (PooledSession session : active.values()) {
            if (session.request().tenant().equals(tenant)) {
                taken++;
            }
        }
        for (PooledSession session : abandoned) {
            if (session.request().tenant().equals(tenant) && !active.containsKey(session.id())) {
                taken++;
            }
        }
        return taken;
    }

    /** Active sessions per tenant. */
    Map<String, Integer> activeByTenant() {
        Map<String, Integer> byTenant = new TreeMap<>();
        for (PooledSession session : active.values()) {
            byTenant.merge(session.request().tenant(), 1, Integer::sum);
        }
        return byTenant;
    }

    long nextSessionId() {
        return ++nextSessionId;
    }

    /** A claimed session was launched: it holds its slot until it ends. */
    void started(PooledSession session) {
        active.put(session.id(), session);
        activeByAgent.merge(session.request().agentName(), 1, Integer::sum);
    }

    /** A session ended: its slot frees, and a drain counts how it ended. */
    void ended(PooledSession session, SessionOutcome outcome) {
        if (active.remove(session.id()) != null) {
            activeByAgent.computeIfPresent(session.request().agentName(), (agent, n) -> n == 1 ? null : n - 1);
        }
        if (drain != null) {
            if (outcome instanceof SessionOutcome.Cancelled) {
                drainCancelled++;
            } else {
                drainCompleted++;
            }
        }
        changed.signalAll();
    }

    void abandoned(PooledSession session) {
        abandoned.add(session);
    }

    /** The thread of a session given up ended; false if it was not counted (any more). */
    boolean abandonedEnded(PooledSession session) {
        boolean removed = abandoned.remove(session);
        if (removed) {
            changed.signalAll();
        }
        return removed;
    }

    int abandonedCount() {
        return abandoned.size();
    }

    /** Whether the pool stopped taking jobs: draining, or closed. */
    boolean closedToJobs() {
        return drain != null || closed;
    }

    CompletableFuture<DrainResult> drain() {
        return drain;
    }

    /** Starts the drain; false when one was started before. */
    boolean startDrain(CompletableFuture<DrainResult> result) {
        if (drain != null) {
            return false;
        }
        drain = result;
        return true;
    }

    boolean drainDeadlinePassed() {
        return drainDeadlinePassed;
    }

    /** From now on a claim launched ends cancelled at once. */
    void passDrainDeadline() {
        drainDeadlinePassed = true;
    }

    int drainCompleted() {
        return drainCompleted;
    }

    int drainCancelled() {
        return drainCancelled;
    }

    /** Marks the pool closed; false when it already was. */
    boolean close() {
        if (closed) {
            return false;
        }
        closed = true;
        return true;
    }
}
