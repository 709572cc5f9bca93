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
 * @param tripped               whether the supervisor tripped (too many consecutive failures)
 * @param consecutiveFailures   failed sessions since the last successful one
 * @param memoryPressure        whether memory is above {@code openrtc.memory.limit}
 * @param idleProcesses         prewarmed child JVMs ready to take a job (always 0 in coroutine mode)
 * @param activeByAgent         active sessions per agent name
 * @param sessions              the active sessions, oldest first
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
        List<SessionInfo> sessions) {

    public PoolSnapshot {
        Objects.requireNonNull(isolation, "isolation");
        activeByAgent = Map.copyOf(activeByAgent);
        sessions = List.copyOf(sessions);
    }
}
