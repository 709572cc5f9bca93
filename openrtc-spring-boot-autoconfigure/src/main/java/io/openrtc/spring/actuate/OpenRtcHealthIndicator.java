package io.openrtc.spring.actuate;

import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.OpenRtcSnapshot;
import io.openrtc.observe.PoolSnapshot;
import io.openrtc.observe.WorkerSnapshot;
import io.openrtc.runtime.AgentPool;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The {@code openrtc} health contributor: is this worker able to take calls?
 * <ul>
 *   <li>{@code UP}: registered with LiveKit;</li>
 *   <li>{@code OUT_OF_SERVICE}: draining (shutdown, operator request), declining every new job;</li>
 *   <li>{@code DOWN}: broken (the supervisor tripped after consecutive failures, or memory went
 *       above {@code openrtc.memory.limit}), or not registered (disconnected and retrying, not
 *       started, stopped), with the last error, the reconnect attempts and since when.</li>
 * </ul>
 * Every state carries the worker id, the agents, active and maximum sessions and the load; and,
 * while any, {@code unhealthyAgents}: the agents out of service because their own code failed
 * {@code openrtc.consecutive-failure-limit} sessions in a row, each with why. Those do not make
 * the worker {@code DOWN}: the other agents keep serving, and a restart would not mend the agent.
 * It reads the same {@link OpenRtcSnapshot} as the {@code openrtc} endpoint and the meters.
 *
 * <p>Put it in the readiness group (a pod that cannot reach LiveKit is not ready), never in the
 * liveness group: restarting a pod does not bring LiveKit back. A broken worker turns liveness
 * {@code BROKEN} through the application's availability state instead.
 */
public class OpenRtcHealthIndicator implements HealthIndicator {

    private final AgentPool agentPool;

    /** @param agentPool the runtime whose worker connection and pool this reports */
    public OpenRtcHealthIndicator(AgentPool agentPool) {
        this.agentPool = Objects.requireNonNull(agentPool, "agentPool");
    }

    @Override
    public Health health() {
        if (!agentPool.isStarted()) {
            return Health.down().withDetail("connection", ConnectionState.STOPPED.name())
                    .withDetail("reason", "the worker has not started yet")
                    .withDetail("agents", agentPool.agents().names()).build();
        }
        return health(agentPool.snapshot());
    }

    /** The health that {@code snapshot} shows. */
    public static Health health(OpenRtcSnapshot snapshot) {
        WorkerSnapshot worker = snapshot.worker();
        PoolSnapshot pool = snapshot.pool();
        Health.Builder health;
        if (OpenRtcStatus.broken(snapshot)) {
            health = Health.down().withDetail("reason", "broken: " + (snapshot.broken() ? snapshot.brokenReason()
                    : "the supervisor tripped after " + pool.consecutiveFailures()
                    + " sessions in a row failed by the worker's own fault")
                    + "; the worker stopped taking jobs and must be restarted");
        } else if (snapshot.draining()) {
            health = Health.outOfService().withDetail("reason", "draining: declining new jobs while running sessions finish");
        } else if (worker.state() == ConnectionState.REGISTERED) {
            health = Health.up();
        } else {
            health = Health.down().withDetail("reason", switch (worker.state()) {
                case CONNECTING -> worker.failedAttempts() == 0 ? "connecting to LiveKit" : "reconnecting to LiveKit";
                case DISCONNECTED -> "disconnected from LiveKit; retrying";
                case STOPPED -> "the worker is stopped";
                case REGISTERED -> throw new AssertionError("handled above");
            });
        }
        health.withDetail("connection", worker.state().name())
                .withDetail("since", worker.since().toString())
                .withDetail("workerId", worker.workerId())
                .withDetail("agents", snapshot.agents())
                .withDetail("activeSessions", pool.active())
                .withDetail("maxConcurrentSessions", pool.maxConcurrentSessions())
                .withDetail("load", pool.load())
                .withDetail("draining", snapshot.draining());
        if (worker.state() != ConnectionState.REGISTERED || worker.failedAttempts() > 0) {
            health.withDetail("reconnectAttempts", worker.failedAttempts());
        }
        if (!pool.unhealthyAgents().isEmpty()) {
            health.withDetail("unhealthyAgents", pool.unhealthyAgents());
        }
        if (!worker.lastError().isEmpty()) {
            health.withDetail("lastError", worker.lastError());
        }
        return health.build();
    }
}
