package io.openrtc.worker;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long the worker waits before its next connection attempt: capped exponential backoff
 * with jitter, so that many replicas that lost the same server do not reconnect in lockstep.
 *
 * @param initial the delay after the first failed attempt
 * @param max     the delay never exceeds this (before jitter)
 * @param jitter  the fraction, in [0, 1], by which each delay is randomly shortened or
 *                lengthened ({@code 0.2}: anywhere from 80 % to 120 %)
 */
public record ReconnectBackoff(Duration initial, Duration max, double jitter) {

    /** 1 s, doubling up to 10 s (the reference SDKs cap at 10 s too), ±20 %. */
    public static final ReconnectBackoff DEFAULT = new ReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 0.2);

    public ReconnectBackoff {
        Objects.requireNonNull(initial, "reconnectBackoff.initial");
        Objects.requireNonNull(max, "reconnectBackoff.max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("reconnectBackoff.initial must be positive, was " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("reconnectBackoff.max (" + max + ") must not be shorter than reconnectBackoff.initial ("
                    + initial + ")");
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("reconnectBackoff.jitter must be within [0, 1], was " + jitter);
        }
    }

    /**
     * The delay before the next attempt after {@code failedAttempts} consecutive failures
     * (1 for the first failure).
     */
    public Duration delay(int failedAttempts, RandomGenerator random) {
        int doublings = Math.max(0, Math.min(failedAttempts - 1, 30));
        double base = Math.min((double) max.toNanos(), initial.toNanos() * Math.pow(2, doublings));
        double factor = 1 + jitter * (2 * random.nextDouble() - 1);
        return Duration.ofNanos(Math.max(1, (long) (base * factor)));
    }
}
