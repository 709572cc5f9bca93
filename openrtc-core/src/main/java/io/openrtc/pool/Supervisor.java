package io.openrtc.pool;

import io.openrtc.agent.SessionOutcome;

/**
 * Counts failed sessions in a row and trips once the limit is reached: a worker whose sessions
 * keep failing is broken (bad configuration, a dead dependency), and is better drained and
 * restarted by the platform than left to fail every call. A success resets the count; a
 * cancellation neither counts nor resets, as it says nothing about the worker's health. Once
 * tripped it stays tripped.
 */
final class Supervisor {

    private final int limit;
    private int consecutiveFailures;
    private boolean tripped;

    Supervisor(int limit) {
        this.limit = limit;
    }

    /** Records how a session ended; true exactly once, when this outcome trips the supervisor. */
    synchronized boolean record(SessionOutcome outcome) {
        switch (outcome) {
            case SessionOutcome.Failed failed -> consecutiveFailures++;
            case SessionOutcome.Success success -> consecutiveFailures = 0;
            case SessionOutcome.Cancelled cancelled -> {
            }
        }
        if (!tripped && consecutiveFailures >= limit) {
            tripped = true;
            return true;
        }
        return false;
    }

    synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }

    synchronized boolean tripped() {
        return tripped;
    }
}
