package io.openrtc.worker;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's single event-loop thread, on which all of its protocol, job and drain state
 * lives; {@link WorkerConnection}, {@link JobTracker} and {@link WorkerDrain} share the one
 * instance so that their state needs no locks.
 */
final class WorkerLoop {

    // The Worker's category: operators' log configuration and the tests key on it.
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final ScheduledThreadPoolExecutor loop;

    WorkerLoop(String threadName) {
        this.loop = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().daemon().name(threadName).unstarted(r));
        this.loop.setRemoveOnCancelPolicy(true);
        this.loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.loop.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    }

    /** Runs {@code task} on the loop; false once the loop has shut down. */
    boolean post(Runnable task) {
        try {
            loop.execute(guarded(task));
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Runs {@code task} on the loop after {@code delay}; null once the loop has shut down. */
    ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        try {
            return loop.schedule(guarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    /**
     * Runs {@code task} every {@code interval}, the first time after one interval. Unlike
     * {@link #schedule} it throws once the loop has shut down.
     */
    ScheduledFuture<?> every(Runnable task, Duration interval) {
        return loop.scheduleWithFixedDelay(guarded(task), interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Lets the queued tasks finish and ends the thread; delayed tasks are dropped. */
    void shutdown() {
        loop.shutdown();
    }

    static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
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
}
