package io.openrtc.pool;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.tenant.TenantBreakerOptions;
import io.openrtc.tenant.TenantOptions;
import io.openrtc.tenant.Tenants;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's tenant rules: each tenant's own cap ({@code openrtc.tenants.<id>.max-concurrent-sessions},
 * counted by the pool under its lock) and each tenant's circuit breaker, a Resilience4j
 * {@link CircuitBreaker} fed with the outcomes of the tenant's sessions (see
 * {@link TenantBreakerOptions}). The default tenant has no breaker; the breakers of tenants not
 * listed are kept for the {@value #MAX_UNLISTED} most recently seen of them, so that a dispatcher
 * inventing ids cannot grow the worker's memory. Thread-safe.
 *
 * <p>A job admitted by its breaker holds a Resilience4j permission until its session ends
 * ({@link #record}) or its claim is released unused ({@link #release}); in the half-open state
 * that is what limits the trial to {@code trial-sessions}.
 */
final class TenantGate {

    private static final Logger log = LoggerFactory.getLogger(TenantGate.class);

    /** Breakers kept for tenants that are not listed, the most recently seen. */
    static final int MAX_UNLISTED = 1000;

    /** Nothing is slow: a session's length says nothing about its tenant's health. */
    private static final Duration NEVER_SLOW = Duration.ofDays(365L * 100);

    /** Why a job may not have a slot for its tenant's breaker, or null when it may. */
    record Refusal(String detail) {
    }

    private final TenantOptions options;
    private final Clock clock;
    private final Consumer<OpenRtcEvent> events;
    private final CircuitBreakerConfig config;
    // Guarded by this.
    private final Map<String, Tenant> listed = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tenant> unlisted = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tenant> eldest) {
            return size() > MAX_UNLISTED;
        }
    };

    /** Builds and asks a breaker of this gate's settings that no tenant uses, then drops it. */
    void warmUp() {
        CircuitBreaker breaker = CircuitBreaker.of("openrtc-warm-up", config);
        breaker.getEventPublisher().onStateTransition(event -> { });
        if (breaker.tryAcquirePermission()) {
            breaker.onSuccess(0, TimeUnit.NANOSECONDS);
        }
        breaker.getMetrics().getFailureRate();
    }

    /** One tenant's breaker and when it last changed state. */
    private final class Tenant {
        final String id;
        final CircuitBreaker breaker;
        volatile Instant since;

        Tenant(String id) {
            this.id = id;
            this.breaker = CircuitBreaker.of("tenant-" + id, config);
            this.since = clock.instant();
            breaker.getEventPublisher().onStateTransition(this::transitioned);
        }

        private void transitioned(CircuitBreakerOnStateTransitionEvent event) {
            Instant now = clock.instant();
            since = now;
            TenantBreakerOptions breakerOptions = options.breaker();
            switch (event.getStateTransition().getToState()) {
                case OPEN -> {
                    CircuitBreaker.Metrics metrics = breaker.getMetrics();
                    double rate = Math.max(0, metrics.getFailureRate()) / 100.0;
                    int sessions = metrics.getNumberOfBufferedCalls();
                    Instant trialAt = now.plus(breakerOptions.openFor());
                    log.warn("Tenant '{}': circuit breaker open, {} of its last {} sessions failed (more than {}, "
                            + "openrtc.tenant-breaker.failure-ratio); its jobs are declined until {} "
                            + "(openrtc.tenant-breaker.open-for), then {} trial sessions are let through", id,
                            String.format(java.util.Locale.ROOT, "%.0f%%", rate * 100), sessions,
                            breakerOptions.failureRatio(), trialAt, breakerOptions.trialSessions());
                    events.accept(new OpenRtcEvent.TenantBreakerOpened(now, id, rate, sessions, trialAt));
                }
                case HALF_OPEN -> log.info("Tenant '{}': circuit breaker half-open, letting {} trial sessions through "
                        + "(openrtc.tenant-breaker.trial-sessions)", id, breakerOptions.trialSessions());
                case CLOSED -> {
                    log.info("Tenant '{}': circuit breaker closed; its jobs are taken again", id);
                    events.accept(new OpenRtcEvent.TenantBreakerClosed(now, id));
                }
                default -> {
                }
            }
        }

        /** Null when a job may go on (a permission is then held), else why not. */
        Refusal admit() {
            TenantBreakerOptions breakerOptions = options.breaker();
            if (breaker.getState() == CircuitBreaker.State.HALF_OPEN
                    && !clock.instant().isBefore(since.plus(breakerOptions.trialTimeout()))) {
                // Trial sessions running this long did not fail at their start: enough of a trial.
                breaker.transitionToClosedState();
            }
            if (breaker.tryAcquirePermission()) {
                return null;
            }
            return new Refusal(breaker.getState() == CircuitBreaker.State.HALF_OPEN
                    ? "the circuit breaker of tenant '" + id + "' is half-open and its " + breakerOptions.trialSessions()
                            + " trial sessions (openrtc.tenant-breaker.trial-sessions) are running"
                    : "the circuit breaker of tenant '" + id + "' is open: too many of its sessions failed lately; "
                            + "trial sessions from " + since.plus(breakerOptions.openFor()));
        }

        /** How it stands, for the snapshot; null while closed. */
        String describe() {
            TenantBreakerOptions breakerOptions = options.breaker();
            return switch (breaker.getState()) {
                case OPEN -> "open since " + since + ", trial sessions from " + since.plus(breakerOptions.openFor());
                case HALF_OPEN -> "half-open since " + since + ": up to " + breakerOptions.trialSessions() + " trial sessions";
                default -> null;
            };
        }
    }

    /**
     * @param options the tenants and the breaker settings
     * @param clock   the breakers' time
     * @param events  where breaker events go
     */
    TenantGate(TenantOptions options, Clock clock, Consumer<OpenRtcEvent> events) {
        this.options = options;
        this.clock = clock;
        this.events = events;
        TenantBreakerOptions b = options.breaker();
        this.config = CircuitBreakerConfig.custom()
                .slidingWindow((int) b.window().toSeconds(), b.minimumSessions(),
                        CircuitBreakerConfig.SlidingWindowType.TIME_BASED,
                        CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.SYNCHRONIZED)
                // Resilience4j opens at a rate >= its threshold; OpenRTC at a ratio above it.
                .failureRateThreshold(Math.nextUp((float) (b.failureRatio() * 100)))
                .slowCallDurationThreshold(NEVER_SLOW)
                .slowCallRateThreshold(100)
                .waitDurationInOpenState(b.openFor())
                .permittedNumberOfCallsInHalfOpenState(b.trialSessions())
                .writableStackTraceEnabled(false)
                .clock(clock)
                .build();
        if (b.enabled()) {
            options.tenants().keySet().stream().filter(id -> !Tenants.DEFAULT.equals(id))
                    .forEach(id -> listed.put(id, new Tenant(id)));
        }
    }

    TenantGate(TenantOptions options, Consumer<OpenRtcEvent> events) {
        this(options, Clock.system(ZoneOffset.UTC), events);
    }

    TenantOptions options() {
        return options;
    }

    /** The tenant's own cap, if it has one. */
    OptionalInt cap(String tenant) {
        return options.settings(tenant).maxConcurrentSessions();
    }

    /**
     * Whether {@code tenant}'s breaker lets a job through: null when it does (the job then holds a
     * permission, to be given back by {@link #record} or {@link #release}), else why not.
     */
    Refusal admit(String tenant) {
        Tenant t = tenant(tenant);
        return t == null ? null : t.admit();
    }

    /** A job {@link #admit} let through got no session after all (declined later, claim released). */
    void release(String tenant) {
        Tenant t = tenant(tenant);
        if (t != null) {
            t.breaker.releasePermission();
        }
    }

    /** A session of {@code tenant} ended with {@code outcome}. */
    void record(String tenant, SessionOutcome outcome) {
        Tenant t = tenant(tenant);
        if (t == null) {
            return;
        }
        switch (outcome) {
            case SessionOutcome.Success success -> t.breaker.onSuccess(0, TimeUnit.NANOSECONDS);
            case SessionOutcome.Failed failed when FailureSource.of(failed.error()) != FailureSource.INFRASTRUCTURE ->
                    t.breaker.onError(0, TimeUnit.NANOSECONDS, failed.error());
            default -> t.breaker.releasePermission(); // a lost room or server, a cancellation: says nothing
        }
    }

    /** The breakers that are not closed, by tenant, each with how it stands. */
    synchronized Map<String, String> breakers() {
        Map<String, String> open = new TreeMap<>();
        for (Map<String, Tenant> tenants : java.util.List.of(listed, unlisted)) {
            tenants.values().forEach(t -> {
                String state = t.describe();
                if (state != null) {
                    open.put(t.id, state);
                }
            });
        }
        return open;
    }

    /** The tenant's breaker, made on first sight; null when it has none. */
    private synchronized Tenant tenant(String tenant) {
        if (!options.breaker().enabled() || Tenants.DEFAULT.equals(tenant)) {
            return null;
        }
        Tenant t = listed.get(tenant);
        return t != null ? t : unlisted.computeIfAbsent(tenant, Tenant::new);
    }
}
