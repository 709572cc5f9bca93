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
    /**
     * The job's tenant runs as many sessions as its own cap allows
     * ({@code openrtc.tenants.<id>.max-concurrent-sessions}), though the worker may have room.
     */
    TENANT_AT_CAPACITY,
    /** The agent routing chose is not one the job's tenant may use ({@code openrtc.tenants.<id>.allowed-agents}). */
    TENANT_AGENT_NOT_ALLOWED,
    /** The circuit breaker of the job's tenant is open: too many of its sessions failed lately. */
    TENANT_BREAKER_OPEN,
    /** Something failed while deciding; the job is declined rather than accepted and failed. */
    ERROR;

    /** Whether this is a decision about the job's tenant (its cap, its agents, its breaker). */
    public boolean isTenantDecision() {
        return this == TENANT_AT_CAPACITY || this == TENANT_AGENT_NOT_ALLOWED || this == TENANT_BREAKER_OPEN;
    }

    /** Lower-case tag value, for example {@code at_capacity}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
