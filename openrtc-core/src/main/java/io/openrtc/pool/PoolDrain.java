package io.openrtc.pool;

import io.openrtc.observe.DrainResult;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's drain (see {@link SessionPool#drain(Duration, String)}): stop accepting, wait for
 * running sessions and reserved slots, cancel what is left, wait for the cancelled sessions to
 * land. Runs once; later calls wait for the first and return its result.
 */
final class PoolDrain {

    private static final Logger log = LoggerFactory.getLogger(PoolDrain.class);
    /** How long beyond {@code openrtc.cancel-grace} a drain waits for forced ends to land. */
    private static final Duration SETTLE_MARGIN = Duration.ofSeconds(2);

    private final PoolState state;
    private final Isolator isolator;
    private final Duration cancelGrace;

    PoolDrain(PoolState state, Isolator isolator, Duration cancelGrace) {
        this.state = state;
        this.isolator = isolator;
        this.cancelGrace = cancelGrace;
    }

    DrainResult drain(Duration timeout, String reason) {
        Objects.requireNonNull(timeout, "timeout");
        CompletableFuture<DrainResult> result;
        boolean first;
        state.lock.lock();
        try {
            first = state.startDrain(new CompletableFuture<>());
            result = state.drain();
        } finally {
            state.lock.unlock();
        }
        if (first) {
            try {
                result.complete(run(timeout, reason));
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
                throw e;
            }
        }
        return result.join();
    }

    private DrainResult run(Duration timeout, String reason) {
        long start = System.nanoTime();
        List<PooledSession> left;
        int reservedLeft;
        isolator.stopPreparing();
        state.lock.lock();
        try {
            log.info("Draining the session pool ({}): {} active, {} reserved, timeout {}", reason, state.active(),
                    state.reserved(), timeout);
            long deadline = start + timeout.toNanos();
            boolean interrupted = false;
            while (state.busy()) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    break;
                }
                try {
                    state.changed.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    interrupted = true; // cut the wait short, still finish the drain
                    break;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            state.passDrainDeadline();
            left = state.activeSessions();
            reservedLeft = state.reserved();
        } finally {
            state.lock.unlock();
        }
        if (!left.isEmpty()) {
            log.info("Drain timeout ({}) expired: cancelling {} sessions", timeout, left.size());
        }
        String cancelReason = "the worker is draining and openrtc.drain-timeout (" + timeout + ") expired";
        for (PooledSession session : left) {
            session.cancel(cancelReason);
        }
        awaitEnded(left, cancelGrace.plus(SETTLE_MARGIN));
        int abandoned = (int) left.stream().filter(s -> !s.isSettled()).count();
        int completed;
        int cancelled;
        state.lock.lock();
        try {
            completed = state.drainCompleted();
            cancelled = state.drainCancelled();
        } finally {
            state.lock.unlock();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        log.info("Drain finished in {} ms: {} sessions completed, {} cancelled, {} claims never launched",
                took.toMillis(), completed, cancelled, reservedLeft);
        return new DrainResult(completed, cancelled, abandoned, took);
    }

    private static void awaitEnded(List<PooledSession> sessions, Duration timeout) {
        if (sessions.isEmpty()) {
            return;
        }
        CompletableFuture<?>[] outcomes = sessions.stream()
                .map(s -> s.outcome().toCompletableFuture()).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(outcomes).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("{} cancelled sessions had not ended {} after the drain timeout",
                    sessions.stream().filter(s -> !s.isSettled()).count(), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // outcomes never complete exceptionally
        }
    }
}
