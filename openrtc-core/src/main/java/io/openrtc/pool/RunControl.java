package io.openrtc.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link SessionControl} of one session, wherever it runs (worker JVM or child JVM). */
final class RunControl implements SessionControl {

    private static final Logger log = LoggerFactory.getLogger(RunControl.class);
    /** The most {@link #ending} waits for the worker to have sent the job's end: it must not hold the session up. */
    private static final java.time.Duration ENDING_REPORT_WAIT = java.time.Duration.ofSeconds(1);

    private final SharedResources resources;
    private final Runnable onRunning;
    private final java.util.function.Consumer<io.openrtc.observe.VoiceMetric> onMetric;
    private final java.util.function.Function<io.openrtc.agent.SessionOutcome, CompletableFuture<Void>> onEnding;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicReference<String> cancelReason = new AtomicReference<>();
    private final List<Runnable> cancelActions = new ArrayList<>();
    private final List<Runnable> abandonActions = new ArrayList<>();
    private boolean abandoned; // guarded by abandonActions

    RunControl(SharedResources resources, Runnable onRunning) {
        this(resources, onRunning, metric -> { });
    }

    RunControl(SharedResources resources, Runnable onRunning, java.util.function.Consumer<io.openrtc.observe.VoiceMetric> onMetric) {
        this(resources, onRunning, onMetric, outcome -> CompletableFuture.completedFuture(null));
    }

    RunControl(SharedResources resources, Runnable onRunning, java.util.function.Consumer<io.openrtc.observe.VoiceMetric> onMetric,
            java.util.function.Function<io.openrtc.agent.SessionOutcome, CompletableFuture<Void>> onEnding) {
        this.resources = resources;
        this.onRunning = onRunning;
        this.onMetric = onMetric;
        this.onEnding = onEnding;
    }

    @Override
    public void ending(io.openrtc.agent.SessionOutcome outcome) {
        try {
            // Not interruptible: a cancelled session's thread may carry an interrupt here, and its
            // end must reach LiveKit before it leaves the room just as well.
            onEnding.apply(outcome).completeOnTimeout(null, ENDING_REPORT_WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
        } catch (RuntimeException e) {
            log.debug("A session's coming end was not passed on: {}", e.toString());
        }
    }

    @Override
    public void report(io.openrtc.observe.VoiceMetric metric) {
        try {
            onMetric.accept(metric);
        } catch (RuntimeException e) {
            log.debug("A voice metric was not reported: {}", e.toString());
        }
    }

    @Override
    public void running() {
        if (running.compareAndSet(false, true)) {
            onRunning.run();
        }
    }

    @Override
    public boolean isCancelled() {
        return cancelReason.get() != null;
    }

    @Override
    public Optional<String> cancelReason() {
        return Optional.ofNullable(cancelReason.get());
    }

    @Override
    public void onCancel(Runnable action) {
        boolean runNow;
        synchronized (cancelActions) {
            runNow = isCancelled();
            if (!runNow) {
                cancelActions.add(action);
            }
        }
        if (runNow) {
            runQuietly(action);
        }
    }

    @Override
    public void onAbandon(Runnable action) {
        boolean runNow;
        synchronized (abandonActions) {
            runNow = abandoned;
            if (!runNow) {
                abandonActions.add(action);
            }
        }
        if (runNow) {
            Thread.ofVirtual().name("openrtc-session-abandon").start(() -> runQuietly(action));
        }
    }

    /**
     * The pool gave the session up: runs the abandon actions, once, on a thread of their own (the
     * caller is the pool's timer, and closing a room waits for the server's goodbye).
     */
    void abandon() {
        List<Runnable> actions;
        synchronized (abandonActions) {
            if (abandoned) {
                return;
            }
            abandoned = true;
            actions = List.copyOf(abandonActions);
            abandonActions.clear();
        }
        if (!actions.isEmpty()) {
            Thread.ofVirtual().name("openrtc-session-abandon").start(() -> actions.forEach(RunControl::runQuietly));
        }
    }

    @Override
    public SharedResources resources() {
        return resources;
    }

    /** Marks the session cancelled and runs the cancel actions; only the first call counts. */
    boolean cancel(String reason) {
        List<Runnable> actions;
        synchronized (cancelActions) {
            if (!cancelReason.compareAndSet(null, reason)) {
                return false;
            }
            actions = List.copyOf(cancelActions);
            cancelActions.clear();
        }
        actions.forEach(RunControl::runQuietly);
        return true;
    }

    private static void runQuietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.warn("A session's cancel or abandon action failed; ignored", e);
        }
    }
}
