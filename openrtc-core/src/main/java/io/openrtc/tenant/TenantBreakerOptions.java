package io.openrtc.tenant;

import java.time.Duration;

/**
 * The circuit breaker every tenant has ({@code openrtc.tenant-breaker.*}), a Resilience4j
 * {@code CircuitBreaker} over the outcomes of the tenant's sessions:
 * <ul>
 *   <li>closed: when, over the sessions that ended in the last {@code window}, at least
 *       {@code minimumSessions} of them, more than {@code failureRatio} failed, it opens;</li>
 *   <li>open for {@code openFor}: the tenant's jobs are declined
 *       ({@code DeclineReason.TENANT_BREAKER_OPEN});</li>
 *   <li>half-open: {@code trialSessions} sessions are let through; once they have ended, more than
 *       {@code failureRatio} of them failed opens it again, else it closes. Trial sessions still
 *       running after {@code trialTimeout} close it (a call that runs that long did not fail at
 *       its start, as calls of a tenant with a broken setup do), so long calls cannot keep the
 *       tenant out.</li>
 * </ul>
 * A failure is a {@code SessionOutcome.Failed} of the agent's code or the worker; a lost room or
 * server and a cancellation count for nothing. The default tenant (jobs that name none) has no
 * breaker: an agent whose own code fails is taken out of service by
 * {@code openrtc.consecutive-failure-limit} instead, as without tenants.
 *
 * @param enabled         {@code enabled}: whether tenants have breakers at all
 * @param failureRatio    {@code failure-ratio}: the share of failed sessions above which it
 *                        opens, strictly between 0 and 1
 * @param minimumSessions {@code minimum-sessions}: the fewest ended sessions in the window it
 *                        decides on
 * @param window          {@code window}: the sliding time window, in whole seconds
 * @param openFor         {@code open-for}: how long it stays open
 * @param trialSessions   {@code trial-sessions}: sessions let through when half-open
 * @param trialTimeout    {@code trial-timeout}: how long trial sessions may run undecided before
 *                        it closes
 */
public record TenantBreakerOptions(boolean enabled, double failureRatio, int minimumSessions, Duration window,
        Duration openFor, int trialSessions, Duration trialTimeout) {

    /** OpenRTC's defaults: more than half of at least 5 sessions in 60 s opens it for 30 s; then 3 trials, 10 s. */
    public static final TenantBreakerOptions DEFAULTS = new TenantBreakerOptions(true, 0.5, 5, Duration.ofSeconds(60),
            Duration.ofSeconds(30), 3, Duration.ofSeconds(10));

    /** Breakers switched off. */
    public static final TenantBreakerOptions DISABLED = DEFAULTS.withEnabled(false);

    private static final String PREFIX = "openrtc.tenant-breaker.";

    public TenantBreakerOptions {
        require(failureRatio > 0 && failureRatio < 1,
                PREFIX + "failure-ratio must be greater than 0 and less than 1, was " + failureRatio);
        require(minimumSessions >= 1, PREFIX + "minimum-sessions must be >= 1, was " + minimumSessions);
        require(window != null && window.toSeconds() >= 1 && window.toNanosPart() == 0,
                PREFIX + "window must be whole seconds, at least 1s, was " + window);
        require(window.toSeconds() <= Integer.MAX_VALUE, PREFIX + "window is too long: " + window);
        require(openFor != null && openFor.isPositive(), PREFIX + "open-for must be positive, was " + openFor);
        require(trialSessions >= 1, PREFIX + "trial-sessions must be >= 1, was " + trialSessions);
        require(trialTimeout != null && trialTimeout.isPositive(),
                PREFIX + "trial-timeout must be positive, was " + trialTimeout);
    }

    /** These options, switched on or off. */
    public TenantBreakerOptions withEnabled(boolean on) {
        return new TenantBreakerOptions(on, failureRatio, minimumSessions, window, openFor, trialSessions, trialTimeout);
    }

    /** These options with another {@code open-for}. */
    public TenantBreakerOptions withOpenFor(Duration duration) {
        return new TenantBreakerOptions(enabled, failureRatio, minimumSessions, window, duration, trialSessions, trialTimeout);
    }

    /** These options with another {@code minimum-sessions}. */
    public TenantBreakerOptions withMinimumSessions(int sessions) {
        return new TenantBreakerOptions(enabled, failureRatio, sessions, window, openFor, trialSessions, trialTimeout);
    }

    /** These options with another half-open trial: {@code sessions} let through, decided within {@code timeout}. */
    public TenantBreakerOptions withTrial(int sessions, Duration timeout) {
        return new TenantBreakerOptions(enabled, failureRatio, minimumSessions, window, openFor, sessions, timeout);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
