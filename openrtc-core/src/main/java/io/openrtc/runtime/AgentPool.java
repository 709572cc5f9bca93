package io.openrtc.runtime;

import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.AgentRegistry;
import io.openrtc.observe.DrainResult;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.OpenRtcListener;
import io.openrtc.observe.OpenRtcSnapshot;
import io.openrtc.pool.PoolOptions;
import io.openrtc.pool.Prewarm;
import io.openrtc.pool.SessionHost;
import io.openrtc.pool.SessionPool;
import io.openrtc.pool.StopHandler;
import io.openrtc.routing.AgentRouter;
import io.openrtc.routing.RequestFilter;
import io.openrtc.routing.RoutingOptions;
import io.openrtc.rtc.RoomConnector;
import io.openrtc.rtc.RoomOptions;
import io.openrtc.rtc.RtcRuntime;
import io.openrtc.rtc.RtcRuntimeOptions;
import io.openrtc.tenant.TenantOptions;
import io.openrtc.tenant.TenantResolver;
import io.openrtc.voice.VoiceRuntime;
import io.openrtc.voice.VoiceSetup;
import io.openrtc.worker.Worker;
import io.openrtc.worker.WorkerOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenRTC worker: many agents, and many concurrent sessions of them, in one JVM. It registers
 * with LiveKit, takes jobs under a hard cap, routes each to one agent, and runs each session on
 * its own virtual thread or in its own child JVM.
 *
 * <p>Plain Java, no framework needed:
 * <pre>{@code
 * public static void main(String[] args) {
 *     AgentPool.builder()
 *             .livekit(System.getenv("LIVEKIT_URL"), System.getenv("LIVEKIT_API_KEY"), System.getenv("LIVEKIT_API_SECRET"))
 *             .add("restaurant", new RestaurantAgent())
 *             .add("dental", new DentalAgent())
 *             .build()
 *             .run();   // until SIGTERM, then a graceful drain
 * }
 * }</pre>
 * In a Spring Boot application the starter builds and runs it from {@code @AgentConfig} beans and
 * {@code openrtc.*} properties.
 *
 * <p>With process isolation the same {@code main} runs again in every child JVM; {@link #run()}
 * notices the session-host role and serves one session there instead of starting a worker.
 */
public final class AgentPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    /** What a request filter and a routing strategy together may take of LiveKit's ~3 s answer budget. */
    static final Duration USER_ROUTING_BUDGET = Duration.ofMillis(2500);

    /** Extra time the worker gives cancelled sessions over the pool's grace, so their end is still reported. */
    private static final Duration REPORT_MARGIN = Duration.ofSeconds(2);

    private final AgentRegistry agents;
    private final AgentRouter router;
    private final RequestFilter requestFilter;
    private final Duration requestFilterTimeout;
    private final TenantResolver tenantResolver;
    private final Duration tenantResolverTimeout;
    private final TenantOptions tenants;
    private final PoolOptions poolOptions;
    private final RtcRuntimeOptions rtcOptions;
    private final WorkerOptions workerOptions;
    private final Prewarm prewarm;
    private final AgentSessionBody body;
    private final EventPublisher events;
    private final io.openrtc.observe.VoiceStats voiceStats = new io.openrtc.observe.VoiceStats();
    private final List<Consumer<String>> brokenListeners = new ArrayList<>();

    // Guarded by this.
    private SessionPool pool;
    private Worker worker;
    private CompletableFuture<DrainResult> drain;
    private boolean closed;
    private volatile String brokenReason = "";
    private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();

    AgentPool(AgentPoolBuilder builder) {
        this.agents = AgentRegistry.of(builder.registrations);
        RoutingOptions routing = new RoutingOptions(builder.acceptOnlyRegisteredRooms,
                java.util.Optional.ofNullable(builder.defaultAgent), builder.strategyTimeout);
        this.router = new AgentRouter(agents, builder.strategies, routing);
        if (builder.requestFilter != null && builder.acceptOnlyRegisteredRooms) {
            throw new IllegalArgumentException("A RequestFilter cannot be combined with acceptOnlyRegisteredRooms "
                    + "(openrtc.routing.accept-only-registered-rooms): both decide which jobs to take");
        }
        checkUserCodeBudget(builder);
        checkTenants(builder.tenants, agents);
        this.requestFilter = builder.requestFilter;
        this.requestFilterTimeout = builder.requestFilterTimeout;
        this.tenantResolver = builder.tenantResolver;
        this.tenantResolverTimeout = builder.tenantResolverTimeout;
        this.tenants = builder.tenants;
        this.poolOptions = builder.poolOptions;
        this.events = new EventPublisher();
        events.addListener(voiceStats, EventPublisher.Channel.RUNTIME);
        builder.listeners.forEach(events::addListener);

        RoomOptions roomOptions = builder.roomOptions;
        RtcRuntimeOptions rtcOptions = builder.rtcOptions;
        this.rtcOptions = rtcOptions;
        List<Prewarm> userPrewarms = List.copyOf(builder.prewarms);
        boolean joinRoom = builder.joinRoom;
        VoiceSetup voiceSetup = builder.voiceSetup;
        this.prewarm = resources -> {
            if (joinRoom) {
                // One WebRTC runtime per JVM that runs sessions (this one, or each child JVM).
                resources.put(RtcRuntime.class, RtcRuntime.create(rtcOptions).prewarm());
            }
            if (voiceSetup != null) {
                // The VAD model, loaded once per JVM that runs sessions, before its first job.
                resources.put(VoiceRuntime.class, VoiceRuntime.create());
            }
            for (Prewarm user : userPrewarms) {
                user.prewarm(resources);
            }
        };
        this.body = new AgentSessionBody(agents, joinRoom
                ? control -> RoomConnector.of(control.resources().get(RtcRuntime.class), roomOptions)
                : null,
                voiceSetup == null ? null
                        : control -> new SessionVoice.Factory(voiceSetup, control.resources().get(VoiceRuntime.class), agents,
                                control::report));

        if (builder.url == null) {
            this.workerOptions = null;
        } else {
            WorkerOptions.Builder options = WorkerOptions.builder(builder.url, builder.apiKey, builder.apiSecret)
                    .agentName(builder.agentName)
                    .jobType(builder.jobType)
                    .targetLoad(builder.loadThreshold)
                    .cancelGrace(poolOptions.cancelGrace().plus(REPORT_MARGIN));
            this.workerOptions = builder.workerCustomizer.apply(options).build();
        }
    }

    /**
     * The user code that runs before the answer to an offer (a request filter, routing strategies,
     * a tenant resolver) must fit in LiveKit's budget together.
     */
    private static void checkUserCodeBudget(AgentPoolBuilder builder) {
        if (builder.tenantResolver != TenantResolver.fromMetadata()
                && (builder.tenantResolverTimeout.isNegative() || builder.tenantResolverTimeout.isZero()
                || builder.tenantResolverTimeout.compareTo(RoutingOptions.MAX_STRATEGY_TIMEOUT) > 0)) {
            throw new IllegalArgumentException("openrtc.routing.tenant-resolver-timeout must be between 1ms and 2s (LiveKit "
                    + "waits about 3 s for an answer), was " + builder.tenantResolverTimeout);
        }
        List<String> parts = new ArrayList<>();
        Duration total = Duration.ZERO;
        if (builder.requestFilter != null) {
            parts.add("openrtc.routing.request-filter-timeout (" + builder.requestFilterTimeout + ")");
            total = total.plus(builder.requestFilterTimeout);
        }
        if (!builder.strategies.isEmpty()) {
            parts.add("openrtc.routing.strategy-timeout (" + builder.strategyTimeout + ")");
            total = total.plus(builder.strategyTimeout);
        }
        if (builder.tenantResolver != TenantResolver.fromMetadata()) {
            parts.add("openrtc.routing.tenant-resolver-timeout (" + builder.tenantResolverTimeout + ")");
            total = total.plus(builder.tenantResolverTimeout);
        }
        if (parts.size() > 1 && total.compareTo(USER_ROUTING_BUDGET) > 0) {
            throw new IllegalArgumentException(String.join(" plus ", parts) + " must not exceed " + USER_ROUTING_BUDGET
                    + ": LiveKit waits about 3 s for the worker's answer, and they all run before it");
        }
    }

    /** Every agent a tenant's {@code allowed-agents} names must be registered. */
    private static void checkTenants(TenantOptions tenants, AgentRegistry agents) {
        tenants.tenants().forEach((id, settings) -> {
            for (String agent : settings.allowedAgents()) {
                if (!agents.contains(agent)) {
                    throw new IllegalArgumentException("openrtc.tenants." + id + ".allowed-agents names '" + agent
                            + "', which is not a registered agent; registered: " + agents.names());
                }
            }
        });
    }

    /** A builder with no agents and default settings. */
    public static AgentPoolBuilder builder() {
        return new AgentPoolBuilder();
    }

    /** Whether this JVM is a child started to host one session ({@code -Dopenrtc.role=session-host}). */
    public static boolean isSessionHost() {
        return SessionHost.isSessionHost();
    }

    /**
     * Starts the session pool (prewarming the JVM's shared resources) and the worker. Returns once
     * the worker is registered with LiveKit, or once a first connection attempt failed in a way
     * that may pass (it keeps retrying in the background).
     *
     * @throws io.openrtc.worker.WorkerStartupException when the settings are wrong (bad key or
     *                                                   secret, a URL that is no LiveKit server)
     * @throws IllegalStateException                     in a session-host JVM, or when already started
     */
    public synchronized void start() {
        if (isSessionHost()) {
            throw new IllegalStateException("This JVM is a session host (-Dopenrtc.role=session-host): call run() or serveSession()");
        }
        if (workerOptions == null) {
            throw new IllegalStateException("No LiveKit server is set: call livekit(url, apiKey, apiSecret) on the builder");
        }
        if (pool != null || closed) {
            throw new IllegalStateException("This AgentPool was already started");
        }
        pool = SessionPool.builder(poolOptions, body)
                .events(events)
                .prewarm(prewarm)
                .stopHandler(this::onStopRequested)
                .tenants(tenants)
                .start();
        worker = new Worker(workerOptions, new RuntimeJobAdmission(requestFilter, requestFilterTimeout, tenantResolver,
                tenantResolverTimeout, tenants, router, pool), pool, events);
        try {
            worker.start();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        log.info("OpenRTC worker started: agents {}, {} isolation, up to {} concurrent sessions",
                agents.names(), poolOptions.isolation(), poolOptions.maxConcurrentSessions());
    }

    /**
     * In a session-host child JVM: prewarms, serves the one session the parent hands over, and
     * returns when it ended.
     */
    public void serveSession() {
        SessionHost.serve(body, prewarm);
    }

    /**
     * Runs until the worker stops: in a session-host child, serves its one session; else starts,
     * and returns once {@link #close()} has run. That is on SIGTERM (or any JVM shutdown), after a
     * graceful drain; or when the worker stopped itself because it is broken (see
     * {@link #onBroken}), after the same drain, so that the JVM can exit and the platform start a
     * fresh one.
     */
    public void run() throws InterruptedException {
        if (isSessionHost()) {
            serveSession();
            return;
        }
        start();
        Thread hook = Thread.ofPlatform().name("openrtc-shutdown").unstarted(() -> {
            drain("JVM shutdown", poolOptions.drainTimeout()).toCompletableFuture().join();
            close();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            closedFuture.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e); // never: close() completes it normally
        } finally {
            removeShutdownHook(hook);
        }
        if (!brokenReason.isEmpty()) {
            log.error("OpenRTC worker stopped itself ({}); run() returns so that the JVM can exit", brokenReason);
        }
    }

    private static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is what closed the pool; it runs to its end
        }
    }

    /**
     * Completes once {@link #close()} has finished: after a shutdown, or after a broken worker
     * drained and stopped itself. Whoever runs the pool (a {@code main}, the Spring context) ends
     * with it.
     */
    public CompletionStage<Void> whenClosed() {
        return closedFuture.minimalCompletionStage();
    }

    /**
     * Drains: stops taking jobs (LiveKit is told the worker is full and offers new jobs to other
     * workers), waits up to {@code timeout} for running sessions, cancels the rest, reports their
     * status and closes the connection. Returns at once; a second call returns the same drain.
     * Before {@link #start()} there is nothing to drain: the answer is an empty result, and the
     * pool is left as it was (a later drain, say on SIGTERM, waits for the sessions as usual).
     */
    public synchronized CompletionStage<DrainResult> drain(String reason, Duration timeout) {
        if (drain != null) {
            return drain;
        }
        if (worker == null) {
            // Not remembered: a finished drain would make every later one, the SIGTERM drain
            // included, return at once without waiting for a single session.
            log.info("OpenRTC drain requested ({}) before the worker started: nothing to drain", reason);
            return CompletableFuture.completedFuture(DrainResult.nothingToDrain());
        }
        Instant start = Instant.now();
        log.info("OpenRTC drain started ({}): up to {} for {} running sessions", reason, timeout, pool.snapshot().active());
        CompletableFuture<DrainResult> workerDrain = worker.drain(reason, timeout).toCompletableFuture();
        CompletableFuture<DrainResult> poolDrain = new CompletableFuture<>();
        SessionPool drainingPool = pool;
        Thread.ofVirtual().name("openrtc-pool-drain").start(() -> {
            try {
                poolDrain.complete(drainingPool.drain(timeout, reason));
            } catch (Throwable t) {
                poolDrain.completeExceptionally(t);
            }
        });
        drain = workerDrain.thenCombine(poolDrain, (w, p) -> {
            // Both saw the same sessions end; each may have seen a few the other did not yet.
            DrainResult summary = new DrainResult(Math.max(w.completed(), p.completed()),
                    Math.max(w.cancelled(), p.cancelled()), Math.max(w.abandoned(), p.abandoned()),
                    Duration.between(start, Instant.now()));
            log.info("OpenRTC drain finished: {} sessions completed, {} cancelled, in {} ms",
                    summary.completed(), summary.cancelled(), summary.took().toMillis());
            return summary;
        });
        return drain;
    }

    /**
     * Whether {@link #drain} was called (by a shutdown, an operator, or a broken worker): true
     * from the moment it returns, while {@link #snapshot()} shows the drain a moment later, once
     * the worker and the pool have begun it.
     */
    public synchronized boolean isDraining() {
        return drain != null;
    }

    /** Drains with {@code openrtc.drain-timeout}. */
    public CompletionStage<DrainResult> drain(String reason) {
        return drain(reason, poolOptions.drainTimeout());
    }

    /** Stops at once: closes the connection, cancels running sessions, stops child JVMs. Idempotent. */
    @Override
    public void close() {
        Worker w;
        SessionPool p;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            w = worker;
            p = pool;
        }
        if (w != null) {
            w.stop();
        }
        if (p != null) {
            p.close();
        }
        events.close();
        closedFuture.complete(null);
    }

    /**
     * Whether {@link #start()} has run, so that {@link #snapshot()} answers. Stays true after
     * {@link #close()}. Health checks and metrics ask first: a web server may serve them before
     * the worker starts.
     */
    public synchronized boolean isStarted() {
        return worker != null;
    }

    /**
     * What the runtime looks like now (see {@link OpenRtcSnapshot}).
     *
     * @throws IllegalStateException before {@link #start()} (see {@link #isStarted()})
     */
    public synchronized OpenRtcSnapshot snapshot() {
        if (worker == null) {
            throw new IllegalStateException("Not started");
        }
        return new OpenRtcSnapshot(Instant.now(), agents.names(), worker.snapshot(), pool.snapshot(), brokenReason,
                voiceStats.snapshot());
    }

    /** The registered agents. */
    public AgentRegistry agents() {
        return agents;
    }

    /** The router deciding which agent serves a job. */
    public AgentRouter router() {
        return router;
    }

    /** The tenants: their caps, allowed agents and breaker, and the tags meters give them. */
    public TenantOptions tenants() {
        return tenants;
    }

    /** The session pool's options. */
    public PoolOptions poolOptions() {
        return poolOptions;
    }

    /** The WebRTC runtime's options (of this JVM, or of each child JVM in process isolation). */
    public RtcRuntimeOptions rtcOptions() {
        return rtcOptions;
    }

    /**
     * The worker's protocol options (timeouts, backoff, permissions).
     *
     * @throws IllegalStateException when no LiveKit server is set (a session host)
     */
    public WorkerOptions workerOptions() {
        if (workerOptions == null) {
            throw new IllegalStateException("No LiveKit server is set: this pool has no worker options");
        }
        return workerOptions;
    }

    /**
     * Adds a listener for every {@link io.openrtc.observe.OpenRtcEvent} from now on. Application
     * listeners share one dispatcher thread: a slow one delays the others, never the runtime,
     * its meters or its readiness.
     */
    public void addListener(OpenRtcListener listener) {
        events.addListener(listener);
    }

    /**
     * Adds a listener that keeps the runtime's own state (meters, readiness, voice figures) on a
     * dispatcher no application listener can delay or overflow. It must return quickly and never
     * block; application code belongs in {@link #addListener}.
     */
    public void addRuntimeListener(OpenRtcListener listener) {
        events.addListener(listener, EventPublisher.Channel.RUNTIME);
    }

    /** Events dropped on {@code channel} because its listeners fell behind (its queue was full). */
    public long droppedEvents(EventPublisher.Channel channel) {
        return events.droppedEvents(channel);
    }

    /**
     * Calls {@code listener} with the reason when the runtime declares itself broken (too many
     * failures of the worker itself in a row, memory above its limit); it then stops taking jobs,
     * drains and closes itself ({@link #run()} returns, {@link #whenClosed()} completes), and
     * should be replaced by a fresh process.
     */
    public synchronized void onBroken(Consumer<String> listener) {
        brokenListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Why the runtime is broken, empty while it is not. */
    public String brokenReason() {
        return brokenReason;
    }

    private void onStopRequested(StopHandler.Reason reason, String detail) {
        List<Consumer<String>> listeners;
        synchronized (this) {
            if (!brokenReason.isEmpty()) {
                return;
            }
            brokenReason = reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ": " + detail;
            listeners = List.copyOf(brokenListeners);
        }
        log.error("OpenRTC worker is broken ({}); draining and stopping it so the platform restarts it", brokenReason);
        for (Consumer<String> listener : listeners) {
            try {
                listener.accept(brokenReason);
            } catch (RuntimeException e) {
                log.warn("A broken-state listener failed", e);
            }
        }
        try {
            drain(brokenReason, poolOptions.drainTimeout()).toCompletableFuture().join();
        } finally {
            // Drained and disconnected, it would never take a job again: stop, so run() returns and
            // the JVM (or, under Spring, the application context) ends and is replaced.
            close();
        }
    }
}
