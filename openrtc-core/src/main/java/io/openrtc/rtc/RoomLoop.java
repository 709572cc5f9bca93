package io.openrtc.rtc;

import io.openrtc.observe.SessionMdc;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A room's event loop: the one virtual thread that owns the room's mutable state. Websocket
 * messages and webrtc callbacks queue tasks here; callers outside the loop wait on results.
 */
final class RoomLoop {

    private static final Logger log = LoggerFactory.getLogger(RoomLoop.class);
    private static final Duration LOOP_CALL_TIMEOUT = Duration.ofSeconds(30);

    private final String label;
    private final ExecutorService loop;
    private final Supplier<Optional<CloseReason>> closeReason;
    private volatile Thread loopThread;

    RoomLoop(String label, Supplier<Optional<CloseReason>> closeReason) {
        this.label = label;
        this.closeReason = closeReason;
        this.loop = Executors.newSingleThreadExecutor(SessionMdc.propagate(Thread.ofVirtual().name("room-" + label).factory()));
    }

    /** Queues a task on the loop; false when the room has finished. */
    boolean execute(Runnable task) {
        try {
            loop.execute(() -> {
                loopThread = Thread.currentThread();
                try {
                    task.run();
                } catch (Throwable t) {
                    log.error("Room {}: an event-loop task failed", label, t);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Runs a task on the loop and waits for its result. */
    <T> T run(Callable<T> task) throws InterruptedException {
        // A loop task calling back into the room would otherwise wait on itself.
        if (Thread.currentThread() == loopThread) {
            try {
                return task.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        Future<T> result;
        try {
            result = loop.submit(() -> {
                loopThread = Thread.currentThread();
                return task.call();
            });
        } catch (RejectedExecutionException e) {
            throw new RoomClosedException("the room is closed", closeReason.get().orElse(
                    new CloseReason(CloseReason.Cause.CLIENT_LEFT, "closed")));
        }
        try {
            return result.get(LOOP_CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtimeException) {
                throw runtimeException;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the room's event loop did not answer within " + LOOP_CALL_TIMEOUT.toSeconds() + " s");
        }
    }

    /** {@link #run}, or null where the task found the room (or its connection) closed. */
    <T> T callOrNull(Callable<T> task) throws InterruptedException {
        try {
            return run(task);
        } catch (RoomClosedException e) {
            return null;
        }
    }

    /** After the room's last task: later tasks are refused. */
    void shutdown() {
        loop.shutdown();
    }
}
