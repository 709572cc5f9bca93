package io.openrtc.observe;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything an operator needs to decide, at one moment: the one object behind the Actuator
 * endpoint, the health indicator and the metrics.
 *
 * @param at           when it was taken
 * @param agents       the registered agent names, in registration order
 * @param worker       the connection to LiveKit and its jobs
 * @param pool         the sessions and capacity
 * @param brokenReason why the runtime declared itself broken (supervisor tripped, memory limit),
 *                     empty while it is not
 * @param voice        each agent's voice figures (turns, mean latencies, the last turn), by agent
 *                     name; agents that answered no turn yet are absent
 */
public record OpenRtcSnapshot(Instant at, List<String> agents, WorkerSnapshot worker, PoolSnapshot pool, String brokenReason,
                              Map<String, AgentVoiceSnapshot> voice) {

    public OpenRtcSnapshot {
        Objects.requireNonNull(at, "at");
        agents = List.copyOf(agents);
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(pool, "pool");
        brokenReason = Objects.requireNonNullElse(brokenReason, "");
        voice = voice == null ? Map.of() : Map.copyOf(voice);
    }

    /** A snapshot without voice figures. */
    public OpenRtcSnapshot(Instant at, List<String> agents, WorkerSnapshot worker, PoolSnapshot pool, String brokenReason) {
        this(at, agents, worker, pool, brokenReason, Map.of());
    }

    /** Whether the runtime is broken and must be restarted. */
    public boolean broken() {
        return !brokenReason.isEmpty();
    }

    /** Whether the worker is draining (or stopped taking jobs for another reason). */
    public boolean draining() {
        return worker.draining() || pool.draining();
    }
}
