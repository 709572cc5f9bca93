package io.openrtc.observe;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The session pool at one moment, as operators see it: what the Actuator endpoint shows, what
 * the health indicator and the metrics read.
 *
 * @param isolation             {@code coroutine} or {@code process} (the value of {@code openrtc.isolation})
 * @param maxConcurrentSessions the capacity
 * @param active                sessions launched and not yet ended
 * @param reserved              jobs accepted whose assignment has not arrived yet (slots held)
 * @param load                  {@code (active + reserved) / maxConcurrentSessions}, in [0, 1]:
 *                              the load the worker reports to LiveKit
 * @param draining              whether the pool stopped accepting jobs (drain, shutdown)
 * @param tripped               whether the worker itself is broken: that many sessions in a row
 *                              failed by the worker's fault ({@code openrtc.consecutive-failure-limit})
 * @param consecutiveFailures   sessions failed in a row by the worker's fault (failures of agents
 *                              and of the room or server left out)
 * @param memoryPressure        whether memory is above {@code openrtc.memory.limit}
 * @param idleProcesses         prewarmed child JVMs ready to take a job (always 0 in coroutine mode)
 * @param activeByAgent         active sessions per agent name
 * @param sessions              the active sessions, oldest first
 * @param unhealthyAgents       the agents out of service (their own code failed
 *                              {@code openrtc.consecutive-failure-limit} sessions in a row; their
 *                              jobs are declined until a trial session succeeds), by name, each
 *                              with why
 * @param abandoned             sessions given up after {@code openrtc.cancel-grace} whose
 *                              threads still run (they ignored their interrupt); each still holds
 *                              a slot, counted in {@code load}
 * @param activeByTenant        active sessions per tenant id
 * @param tenantBreakers        the tenants whose circuit breaker is not closed (open, or
 *                              half-open and letting trial sessions through), each with how it stands
 */
public record PoolSnapshot(
        String isolation,
        int maxConcurrentSessions,
        int active,
        int reserved,
        double load,
        boolean draining,
        boolean tripped,
        int consecutiveFailures,
        boolean memoryPressure,
        int idleProcesses,
        Map<String, Integer> activeByAgent,
        List<SessionInfo> sessions,
        Map<String, String> unhealthyAgents,
        int abandoned,
        Map<String, Integer> activeByTenant,
        Map<String, String> tenantBreakers) {

    public PoolSnapshot {
        Objects.requireNonNull(isolation, "isolation");
        activeByAgent = Map.copyOf(activeByAgent);
        sessions = List.copyOf(sessions);
        unhealthyAgents = unhealthyAgents == null ? Map.of() : Map.copyOf(unhealthyAgents);
        activeByTenant = activeByTenant == null ? Map.of() : Map.copyOf(activeByTenant);
        tenantBreakers = tenantBreakers == null ? Map.of() : Map.copyOf(tenantBreakers);
    }

    /** A snapshot without tenants' figures (the active sessions are counted by theirs). */
    public PoolSnapshot(String isolation, int maxConcurrentSessions, int active, int reserved, double load, boolean draining,
            boolean tripped, int consecutiveFailures, boolean memoryPressure, int idleProcesses,
            Map<String, Integer> activeByAgent, List<SessionInfo> sessions, Map<String, String> unhealthyAgents,
            int abandoned) {
        this(isolation, maxConcurrentSessions, active, reserved, load, draining, tripped, consecutiveFailures,
                memoryPressure, idleProcesses, activeByAgent, sessions, unhealthyAgents, abandoned,
                byTenant(sessions), Map.of());
    }

    private static Map<String, Integer> byTenant(List<SessionInfo> sessions) {
        Map<String, Integer> byTenant = new java.util.TreeMap<>();
        sessions.forEach(session -> byTenant.merge(session.tenant(), 1, Integer::sum));
        return byTenant;
    }

    /** A snapshot with every agent in service and no abandoned session. */
    public PoolSnapshot(String isolation, int maxConcurrentSessions, int active, int reserved, double load, boolean draining,
            boolean tripped, int consecutiveFailures, boolean memoryPressure, int idleProcesses,
            Map<String, Integer> activeByAgent, List<SessionInfo> sessions) {
        this(isolation, maxConcurrentSessions, active, reserved, load, draining, tripped, consecutiveFailures,
                memoryPressure, idleProcesses, activeByAgent, sessions, Map.of(), 0);
    }
}
