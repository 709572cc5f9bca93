package io.openrtc.observe;

import java.util.Locale;

/** Why a worker declined a job at availability time. A closed set, used as a metric tag. */
public enum DeclineReason {
    /** No registered agent matched and there is no fallback (no agents, or accept-only-registered-rooms). */
    NO_MATCHING_AGENT,
    /** The job named an agent (in metadata) that is not registered here. */
    UNKNOWN_AGENT,
    /** A user {@code RequestFilter} declined it. */
    FILTERED,
    /** Every session slot is taken or reserved. */
    AT_CAPACITY,
    /** The worker is draining or stopping. */
    DRAINING,
    /** Memory is above the configured limit. */
    MEMORY_PRESSURE,
    /**
     * The agent routing chose is out of service: its own code failed
     * {@code openrtc.consecutive-failure-limit} sessions in a row (the other agents keep serving).
     */
    AGENT_UNHEALTHY,
    /** Something failed while deciding; the job is declined rather than accepted and failed. */
    ERROR;

    /** Lower-case tag value, for example {@code at_capacity}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
