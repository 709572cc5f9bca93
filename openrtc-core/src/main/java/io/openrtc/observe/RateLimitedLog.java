package io.openrtc.observe;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets one warning through per {@link #INTERVAL} and counts the ones held back, so that a flood
 * of bad input (every room of a misconfigured front end, a server sending garbage) cannot flood
 * the log; counting every one is the meters' job.
 */
public final class RateLimitedLog {

    /** At most one warning per this interval. */
    public static final Duration INTERVAL = Duration.ofSeconds(10);

    private final AtomicLong nextAllowedNanos = new AtomicLong();
    private final AtomicLong heldBack = new AtomicLong();
    private volatile boolean first = true;

    /**
     * -1: hold this warning back. Otherwise log it now; the value is how many were held back since
     * the last one logged.
     */
    public long permit() {
        long now = System.nanoTime();
        long next = nextAllowedNanos.get();
        boolean due = first || now - next >= 0;
        if (due && nextAllowedNanos.compareAndSet(next, now + INTERVAL.toNanos())) {
            first = false;
            return heldBack.getAndSet(0);
        }
        heldBack.incrementAndGet();
        return -1;
    }
}
