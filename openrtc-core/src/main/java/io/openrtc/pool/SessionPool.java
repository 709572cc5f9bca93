package io.openrtc.pool;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.DrainResult;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.PoolSnapshot;
import io.openrtc.observe.SessionInfo;
import io.openrtc.tenant.TenantOptions;
import io.openrtc.tenant.Tenants;
import io.openrtc.worker.Admission;
import io.openrtc.worker.ParticipantSpec;
import io.openrtc.worker.SessionHandle;
import io.openrtc.worker.WorkerLoad;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs sessions, at most {@code openrtc.max-concurrent-sessions} at a time, in the configured
 * {@link Isolation}. The worker asks it for a slot when LiveKit offers a job
 * ({@link #tryClaim}), launches the claim when the assignment arrives, and reports
 * {@link #utilization()} to LiveKit.
 *
 * <p>Around the sessions it keeps:
 * <ul>
 *   <li>capacity with hard reservations: a claim holds its slot until launched or released, so
 *       concurrent offers can never overshoot;</li>
 *   <li>a {@link Supervisor}, counting failures per agent and for the worker apart (see
 *       {@link FailureSource}): {@code openrtc.consecutive-failure-limit} failures of one agent in
 *       a row take that agent out of service ({@link DeclineReason#AGENT_UNHEALTHY},
 *       {@link OpenRtcEvent.AgentTripped}) while the others keep serving; that many failures of
 *       the worker itself publish {@link OpenRtcEvent.SupervisorTripped} and call the
 *       {@link StopHandler};</li>
 *   <li>memory watermarks: {@code openrtc.memory.warn} logs once per crossing,
 *       {@code openrtc.memory.limit} declines jobs while above it and calls the {@link StopHandler};</li>
 *   <li>{@link #drain}: stop accepting, wait, cancel what is left;</li>
 *   <li>sessions given up after {@code openrtc.cancel-grace} whose threads still run (they
 *       ignored their interrupt): their rooms are closed from outside, they end cancelled, and
 *       each keeps its slot until its thread really ends ({@link PoolSnapshot#abandoned()}).</li>
 * </ul>
 * The pool publishes {@code SessionStarted} and {@code SessionEnded} for every launched session,
 * {@code AgentTripped}, {@code AgentRecovered}, {@code SupervisorTripped} and
 * {@code MemoryWatermarkCrossed} through the {@link EventPublisher},
 * so observers never run on a session's thread. {@code SessionRunning} and the drain events are
 * the worker's: it reports a job running to LiveKit when {@link SessionHandle#running()}
 * completes, and its drain is the one LiveKit sees; the pool's own {@link #drain} reports
 * through its {@link DrainResult} and the log.
 *
 * <p>In process isolation this JVM only supervises: each child JVM runs the body its own main
 * method hands to {@link SessionHost#serve} (normally the same one given here).
 */
public final class SessionPool implements WorkerLoad, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SessionPool.class);
    private static final Duration MEMORY_CHECK_INTERVAL = Duration.ofSeconds(1);

    private final java.util.concurrent.atomic.AtomicBoolean stopRequested = new java.util.concurrent.atomic.AtomicBoolean();
    private final PoolOptions options;
    private final EventPublisher events;
    private final boolean ownsEvents;
    private final StopHandler stopHandler;
    private final SharedResources resources;
    private final ScheduledExecutorService timers;
    private final Supervisor supervisor;
    private final TenantGate tenants;
    private final MemoryWatch memoryWatch;
    private final Isolator isolator;
    private final SessionListener sessionListener = new SessionListener();
    private final PoolState state;
    private final PoolDrain drainer;

    private SessionPool(Builder builder) {
        if (SessionHost.isSessionHost()) {
            throw new IllegalStateException("This JVM is a session host (" + SessionHost.ROLE_PROPERTY + "="
                    + SessionHost.ROLE + "): it runs one session for its parent and must not start a session pool. "
                    + "Call SessionHost.serve(...) from main when SessionHost.isSessionHost() is true");
        }
        this.options = builder.options;
        this.state = new PoolState(options.maxConcurrentSessions());
        this.ownsEvents = builder.events == null;
        this.events = ownsEvents ? new EventPublisher() : builder.events;
        this.stopHandler = builder.stopHandler != null ? builder.stopHandler
                : (reason, detail) -> drain(options.drainTimeout(), reason.name().toLowerCase(java.util.Locale.ROOT));
        this.supervisor = new Supervisor(options.consecutiveFailureLimit(), options.agentRetryAfter());
        this.tenants = new TenantGate(builder.tenants, builder.tenantClock, events::publish);
        this.timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("openrtc-pool-timer").factory());
        this.resources = new SharedResources();
        try {
            if (options.isolation() == Isolation.COROUTINE) {
                builder.prewarm.prewarm(resources);
                this.isolator = new VirtualThreadIsolator(builder.body, resources);
            } else {
                this.isolator = new ProcessIsolator(options, timers);
            }
        } catch (Exception e) {
            shutdownQuietly();
            throw new IllegalStateException("The session pool could not start: " + e.getMessage(), e);
        }
        this.drainer = new PoolDrain(state, isolator, options.cancelGrace());
        if (options.memoryWarnBytes().isPresent() || options.memoryLimitBytes().isPresent()) {
            this.memoryWatch = new MemoryWatch(options.memoryWarnBytes(), options.memoryLimitBytes(),
                    builder.memoryProbe, this::memoryCrossed, timers);
            memoryWatch.start(MEMORY_CHECK_INTERVAL);
        } else {
            this.memoryWatch = null;
        }
        log.info("Session pool started: {} isolation, {} sessions at most", options.isolation().value(),
                options.maxConcurrentSessions());
    }

    /**
     * A builder for a pool with {@code options}, running {@code body} for each session.
     *
     * @param body what a session does; in process isolation, what the children run comes from
     *             their own {@link SessionHost#serve} call
     */
    public static Builder builder(PoolOptions options, SessionBody body) {
        return new Builder(options, body);
    }

    /** The isolation mode, for tests in this package. */
    Isolator isolator() {
        return isolator;
    }

    /** The options this pool runs with. */
    public PoolOptions options() {
        return options;
    }

    /**
     * Reserves a slot for {@code job}, or says why not, atomically: concurrent callers can never
     * overshoot the capacity. Quick and non-blocking (called on the worker's message path).
     *
     * @param job         the offered job
     * @param agentName   the agent routing chose to serve it
     * @param participant the participant the agent will join as
     * @return {@link Admission.Accepted} with a {@link io.openrtc.worker.JobClaim} holding the
     *         slot, or {@link Admission.Declined} with {@link DeclineReason#DRAINING},
     *         {@link DeclineReason#MEMORY_PRESSURE}, {@link DeclineReason#AGENT_UNHEALTHY} or
     *         {@link DeclineReason#AT_CAPACITY} (and, for a job of a tenant, see the overload)
     */
    public Admission tryClaim(JobInfo job, String agentName, ParticipantSpec participant) {
        return tryClaim(job, agentName, Tenants.DEFAULT, participant);
    }

    /**
     * Loads what {@link #tryClaim} needs beyond this pool's own state (a tenant's circuit
     * breaker) on a breaker no tenant uses, so a fresh JVM's first offer does not pay for it
     * within LiveKit's ~3 s. Claims nothing.
     */
    public void warmUpAdmission() {
        tenants.warmUp();
    }

    /**
     * Reserves a slot for {@code job} of {@code tenant}; see {@link #tryClaim(JobInfo, String, ParticipantSpec)}.
     * The tenant's own cap is reserved atomically with the worker's slot
     * ({@link DeclineReason#TENANT_AT_CAPACITY}), and its circuit breaker must let the job through
     * ({@link DeclineReason#TENANT_BREAKER_OPEN}); the claim holds the breaker's permission until
     * its session ends or it is released.
     *
     * @param tenant the tenant the job belongs to
     */
    public Admission tryClaim(JobInfo job, String agentName, String tenant, ParticipantSpec participant) {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(agentName, "agentName");
        Objects.requireNonNull(participant, "participant");
        String tenantId = Tenants.orDefault(tenant);
        state.lock.lock();
        try {
            Verdict verdict = decide(agentName, tenantId);
            if (verdict.declined() != null) {
                return verdict.declined().forTenant(tenantId);
            }
            state.reserve(tenantId);
            return new Admission.Accepted(new PoolClaim(state, isolator, events, sessionListener, job, agentName,
                    tenantId, participant, Instant.now(), supervisor, tenants, verdict.gate() == Supervisor.Gate.TRIAL));
        } finally {
            state.lock.unlock();
        }
    }

    /** Either why a job may not have a slot, or the supervisor's gate it passed. */
    private record Verdict(Admission.Declined declined, Supervisor.Gate gate) {
        static Verdict no(Admission.Declined declined) {
            return new Verdict(declined, null);
        }
    }

    /** Whether a job for {@code agentName} of {@code tenant} may have a slot now. Lock held. */
    private Verdict decide(String agentName, String tenant) {
        if (state.closedToJobs()) {
            return Verdict.no(new Admission.Declined(DeclineReason.DRAINING, "the worker is draining"));
        }
        if (supervisor.tripped()) {
            return Verdict.no(new Admission.Declined(DeclineReason.DRAINING, "the worker is broken: "
                    + options.consecutiveFailureLimit() + " sessions in a row failed by its own fault "
                    + "(openrtc.consecutive-failure-limit); it is stopping"));
        }
        if (memoryWatch != null && memoryWatch.overLimit()) {
            return Verdict.no(new Admission.Declined(DeclineReason.MEMORY_PRESSURE, "memory is above openrtc.memory.limit ("
                    + ResidentMemory.format(options.memoryLimitBytes().orElse(0)) + "): " + memoryWatch.last()));
        }
        Supervisor.Gate gate = supervisor.admit(agentName);
        if (gate == Supervisor.Gate.CLOSED) {
            return Verdict.no(new Admission.Declined(DeclineReason.AGENT_UNHEALTHY, "agent '" + agentName
                    + "' is out of service: " + supervisor.unhealthyReason(agentName)));
        }
        Admission.Declined declined = null;
        java.util.OptionalInt cap = tenants.cap(tenant);
        if (cap.isPresent() && state.takenBy(tenant) >= cap.getAsInt()) {
            declined = new Admission.Declined(DeclineReason.TENANT_AT_CAPACITY, "tenant '" + tenant + "' runs or has "
                    + "reserved all " + cap.getAsInt() + " of its sessions (openrtc.tenants." + tenant
                    + ".max-concurrent-sessions)");
        } else if (!state.hasFreeSlot()) {
            declined = new Admission.Declined(DeclineReason.AT_CAPACITY, "all " + options.maxConcurrentSessions()
                    + " session slots (openrtc.max-concurrent-sessions) are running or reserved");
        } else {
            // Last: a permission of the breaker is taken only for a job that gets its slot.
            TenantGate.Refusal refusal = tenants.admit(tenant);
            if (refusal != null) {
                declined = new Admission.Declined(DeclineReason.TENANT_BREAKER_OPEN, refusal.detail());
            }
        }
        if (declined != null && gate == Supervisor.Gate.TRIAL) {
            supervisor.trialReleased(agentName);
        }
        return new Verdict(declined, gate);
    }

    /** Running plus reserved sessions over {@code openrtc.max-concurrent-sessions}, in [0, 1]. */
    @Override
    public double utilization() {
        state.lock.lock();
        try {
            return state.load();
        } finally {
            state.lock.unlock();
        }
    }

    /** Whether a claim would be declined now: at capacity, draining, tripped or over the memory limit. */
    @Override
    public boolean isFull() {
        state.lock.lock();
        try {
            return state.closedToJobs() || supervisor.tripped()
                    || (memoryWatch != null && memoryWatch.overLimit())
                    || !state.hasFreeSlot();
        } finally {
            state.lock.unlock();
        }
    }

    /** The pool now, for the Actuator endpoint, health and metrics. */
    public PoolSnapshot snapshot() {
        state.lock.lock();
        try {
            List<SessionInfo> sessions = state.activeSessions().stream().map(PooledSession::info).toList();
            return new PoolSnapshot(options.isolation().value(), options.maxConcurrentSessions(), state.active(),
                    state.reserved(), state.load(), state.closedToJobs(), supervisor.tripped(),
                    supervisor.consecutiveFailures(), memoryWatch != null && memoryWatch.overLimit(),
                    isolator.idleCount(), state.activeByAgent(), sessions, supervisor.unhealthyAgents(),
                    state.abandonedCount(), state.activeByTenant(), tenants.breakers());
        } finally {
            state.lock.unlock();
        }
    }

    /** Drains with {@code openrtc.drain-timeout}; see {@link #drain(Duration, String)}. */
    public DrainResult drain() {
        return drain(options.drainTimeout(), "shutdown");
    }

    /** Drains with {@code timeout}; see {@link #drain(Duration, String)}. */
    public DrainResult drain(Duration timeout) {
        return drain(timeout, "shutdown");
    }

    /**
     * Stops accepting jobs, waits up to {@code timeout} for the running sessions (and claims whose
     * assignment has not come) to end, then cancels what is left: their threads are interrupted,
     * their child JVMs asked to stop and, after {@code openrtc.cancel-grace}, killed. Those
     * sessions end {@link SessionOutcome.Cancelled}. Returns within {@code timeout} plus the
     * cancel grace plus a small margin (at once after {@code timeout} when the sessions answer
     * their interrupt).
     *
     * <p>Idempotent: a second call, concurrent or later, waits for the first drain and returns its
     * result. The pool stays closed to new jobs afterwards.
     *
     * @param reason why (shutdown, supervisor, memory), for the log
     */
    public DrainResult drain(Duration timeout, String reason) {
        return drainer.drain(timeout, reason);
    }

    /**
     * Drains (if not done yet) with {@code openrtc.drain-timeout}, then stops idle children,
     * the memory watch and the timers and closes the shared resources.
     */
    @Override
    public void close() {
        drain(options.drainTimeout(), "pool closed");
        state.lock.lock();
        try {
            if (!state.close()) {
                return;
            }
        } finally {
            state.lock.unlock();
        }
        shutdownQuietly();
        log.info("Session pool closed");
    }

    private void shutdownQuietly() {
        if (memoryWatch != null) {
            memoryWatch.close();
        }
        if (isolator != null) {
            try {
                isolator.close();
            } catch (RuntimeException e) {
                log.warn("Closing the {} isolation failed", options.isolation().value(), e);
            }
        }
        timers.shutdownNow();
        resources.close();
        if (ownsEvents) {
            events.close();
        }
    }

    private void memoryCrossed(MemoryReading reading, long threshold, boolean limit) {
        events.publish(new OpenRtcEvent.MemoryWatermarkCrossed(Instant.now(), reading.footprint(), threshold, limit));
        if (limit) {
            String detail = "memory " + reading + " is above openrtc.memory.limit (" + ResidentMemory.format(threshold)
                    + "); declining jobs, draining and stopping the worker";
            log.error("{}", detail);
            requestStop(StopHandler.Reason.MEMORY_LIMIT, detail);
        } else {
            log.warn("Memory {} is above openrtc.memory.warn ({})", reading, ResidentMemory.format(threshold));
        }
    }

    private void requestStop(StopHandler.Reason reason, String detail) {
        // Once is enough: the worker drains and stops; memory flapping around the limit must not
        // ask again and again.
        if (!stopRequested.compareAndSet(false, true)) {
            log.debug("Stop already requested; not asking again for {}", reason);
            return;
        }
        Thread.ofVirtual().name("openrtc-pool-stop-request").start(() -> {
            try {
                stopHandler.stopRequested(reason, detail);
            } catch (RuntimeException e) {
                log.error("The pool's stop handler failed ({})", reason, e);
            }
        });
    }

    /** The pool's side of its sessions' life. */
    private final class SessionListener implements PooledSession.Listener {

        @Override
        public void sessionEnded(PooledSession session, SessionOutcome outcome) {
            Supervisor.Verdict verdict;
            state.lock.lock();
            try {
                state.ended(session, outcome);
                verdict = supervisor.record(session.request().agentName(), outcome, session.isTrial());
            } finally {
                state.lock.unlock();
            }
            // Before the event: whoever sees a session end sees its tenant's breaker updated.
            tenants.record(session.request().tenant(), outcome);
            logOutcome(session, outcome);
            events.publish(new OpenRtcEvent.SessionEnded(Instant.now(), session.info(), outcome));
            switch (verdict) {
                case Supervisor.Verdict.None none -> {
                }
                case Supervisor.Verdict.AgentTripped agent -> {
                    log.error("Agent '{}' is out of service: {} of its sessions failed in a row by its own fault "
                            + "(openrtc.consecutive-failure-limit), the last with {}; its jobs are declined until {} "
                            + "(openrtc.agent-retry-after), then one trial session is let through. The other agents "
                            + "keep serving", agent.agent(), agent.failures(), agent.lastFailure(), agent.retryAt());
                    events.publish(new OpenRtcEvent.AgentTripped(Instant.now(), agent.agent(), agent.failures(),
                            agent.lastFailure(), agent.retryAt()));
                }
                case Supervisor.Verdict.AgentRecovered agent -> {
                    log.info("Agent '{}' ran a session successfully: it is back in service", agent.agent());
                    events.publish(new OpenRtcEvent.AgentRecovered(Instant.now(), agent.agent()));
                }
                case Supervisor.Verdict.WorkerTripped worker -> {
                    String detail = worker.failures() + " sessions in a row failed by the worker's own fault "
                            + "(openrtc.consecutive-failure-limit); the last: " + worker.lastFailure();
                    log.error("Supervisor tripped: {}; draining and stopping the worker", detail);
                    events.publish(new OpenRtcEvent.SupervisorTripped(Instant.now(), worker.failures()));
                    requestStop(StopHandler.Reason.SUPERVISOR_TRIPPED, detail);
                }
            }
        }

        @Override
        public void sessionMeasured(PooledSession session, io.openrtc.observe.VoiceMetric metric) {
            events.publish(new OpenRtcEvent.VoiceMeasured(Instant.now(), session.info(), metric));
        }

        @Override
        public void sessionAbandoned(PooledSession session) {
            state.lock.lock();
            try {
                state.abandoned(session);
            } finally {
                state.lock.unlock();
            }
        }

        @Override
        public void abandonedThreadEnded(PooledSession session) {
            boolean counted;
            state.lock.lock();
            try {
                counted = state.abandonedEnded(session);
            } finally {
                state.lock.unlock();
            }
            if (counted) {
                log.info("The thread of abandoned session {} (agent {}) ended at last, {} ms after the session started; "
                        + "its slot is free", session.request().job().jobId(), session.request().agentName(),
                        Duration.between(session.startedAt(), Instant.now()).toMillis());
            }
        }

        @Override
        public void afterCancelGrace(Runnable task) {
            try {
                timers.schedule(task, options.cancelGrace().toMillis(), TimeUnit.MILLISECONDS);
            } catch (RuntimeException rejected) { // the pool is closed: do it now
                task.run();
            }
        }
    }

    private static void logOutcome(PooledSession session, SessionOutcome outcome) {
        String job = session.request().job().jobId();
        String agent = session.request().agentName();
        switch (outcome) {
            case SessionOutcome.Success s -> log.info("Session {} (agent {}) succeeded after {} ms", job, agent,
                    s.duration().toMillis());
            case SessionOutcome.Failed f -> log.warn("Session {} (agent {}) failed after {} ms: {}", job, agent,
                    f.duration().toMillis(), f.message(), f.error());
            case SessionOutcome.Cancelled c -> log.info("Session {} (agent {}) cancelled after {} ms: {}", job, agent,
                    c.duration().toMillis(), c.reason());
        }
    }

    /** Builds and starts a {@link SessionPool}. */
    public static final class Builder {
        private final PoolOptions options;
        private final SessionBody body;
        private EventPublisher events;
        private Prewarm prewarm = Prewarm.NONE;
        private StopHandler stopHandler;
        private java.util.function.Supplier<MemoryReading> memoryProbe = MemoryWatch::readJvm;
        private TenantOptions tenants = TenantOptions.defaults();
        private java.time.Clock tenantClock = java.time.Clock.systemUTC();

        private Builder(PoolOptions options, SessionBody body) {
            this.options = Objects.requireNonNull(options, "options");
            this.body = Objects.requireNonNull(body, "body");
        }

        /** Where session, drain, supervisor and memory events go (default: a publisher of its own). */
        public Builder events(EventPublisher events) {
            this.events = Objects.requireNonNull(events, "events");
            return this;
        }

        /**
         * Creates the JVM's shared resources before the first session (default: nothing). In
         * process isolation each child runs the prewarm its own main hands to
         * {@link SessionHost#serve(SessionBody, Prewarm)} instead.
         */
        public Builder prewarm(Prewarm prewarm) {
            this.prewarm = Objects.requireNonNull(prewarm, "prewarm");
            return this;
        }

        /**
         * Called when the worker should drain and stop (supervisor tripped, memory limit). Default:
         * the pool drains itself.
         */
        public Builder stopHandler(StopHandler stopHandler) {
            this.stopHandler = Objects.requireNonNull(stopHandler, "stopHandler");
            return this;
        }

        /**
         * The tenants' caps and circuit breaker (default: no tenant listed, breakers with
         * OpenRTC's defaults).
         */
        public Builder tenants(TenantOptions tenants) {
            this.tenants = Objects.requireNonNull(tenants, "tenants");
            return this;
        }

        /** The clock of the tenants' breakers, for tests. */
        Builder tenantClock(java.time.Clock clock) {
            this.tenantClock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Starts the pool: runs the prewarm (coroutine mode) or starts the idle child JVMs (process
         * mode, in the background), and the memory watch.
         *
         * @throws IllegalStateException if the prewarm failed, or this JVM is a session host
         */
        public SessionPool start() {
            return new SessionPool(this);
        }
    }
}
