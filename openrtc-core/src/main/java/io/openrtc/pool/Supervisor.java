package io.openrtc.pool;

import io.openrtc.agent.SessionOutcome;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts failed sessions in a row, apart for each agent and for the worker itself, and trips
 * once {@code openrtc.consecutive-failure-limit} is reached (see {@link FailureSource}):
 * <ul>
 *   <li>an agent whose own code failed that many sessions in a row (a bug, a dead dependency of
 *       its own) is taken out of service: its jobs are declined, so LiveKit offers them to other
 *       workers, while the other agents keep serving. After {@code openrtc.agent-retry-after} one
 *       trial session is let through; its success puts the agent back, its failure starts the
 *       wait again. Restarting the worker would not fix such an agent, and would drop every
 *       other call;</li>
 *   <li>the worker, when that many sessions in a row failed by its own fault (child JVMs that do
 *       not start, a WebRTC runtime that fails): it is broken, and is better drained and replaced
 *       by the platform. Once tripped it stays tripped;</li>
 *   <li>failures of the room or the server count for neither.</li>
 * </ul>
 * A success resets its agent's count and the worker's; a failure of an agent resets the worker's
 * (the worker did run it); a cancellation neither counts nor resets, as it says nothing about
 * anyone's health. Thread-safe.
 */
final class Supervisor {

    /** Whether a job for an agent may have a slot. */
    enum Gate {
        /** The agent is in service. */
        OPEN,
        /** The agent is out of service and this job is its one trial session. */
        TRIAL,
        /** The agent is out of service; decline. */
        CLOSED
    }

    /** What recording an outcome changed, for the pool to log and publish. */
    sealed interface Verdict {
        /** Nothing to report. */
        record None() implements Verdict {
        }

        /** {@code agent} just went out of service (again, after a failed trial) until {@code retryAt}. */
        record AgentTripped(String agent, int failures, String lastFailure, Instant retryAt) implements Verdict {
        }

        /** {@code agent} succeeded while out of service: it is back. */
        record AgentRecovered(String agent) implements Verdict {
        }

        /** The worker itself is broken. */
        record WorkerTripped(int failures, String lastFailure) implements Verdict {
        }
    }

    static final Verdict NONE = new Verdict.None();

    /** One agent's record. */
    private static final class AgentRecord {
        int failures;
        String lastFailure = "";
        Instant retryAt; // non-null while out of service
        boolean trialRunning;
    }

    private final int limit;
    private final Duration retryAfter;
    private final InstantSource clock;
    private final Map<String, AgentRecord> agents = new HashMap<>();
    private int workerFailures;
    private boolean workerTripped;

    Supervisor(int limit, Duration retryAfter) {
        this(limit, retryAfter, InstantSource.system());
    }

    Supervisor(int limit, Duration retryAfter, InstantSource clock) {
        this.limit = limit;
        this.retryAfter = retryAfter;
        this.clock = clock;
    }

    /**
     * Whether a job for {@code agent} may be claimed now. {@link Gate#TRIAL} is answered once per
     * wait: the claim it admits must end in {@link #record} or {@link #trialReleased}.
     */
    synchronized Gate admit(String agent) {
        AgentRecord record = agents.get(agent);
        if (record == null || record.retryAt == null) {
            return Gate.OPEN;
        }
        if (record.trialRunning || clock.instant().isBefore(record.retryAt)) {
            return Gate.CLOSED;
        }
        record.trialRunning = true;
        return Gate.TRIAL;
    }

    /** The trial claim of {@code agent} was released without a session: the next job may try. */
    synchronized void trialReleased(String agent) {
        AgentRecord record = agents.get(agent);
        if (record != null) {
            record.trialRunning = false;
        }
    }

    /** Records how a session of {@code agent} ended; {@code trial}: it was the agent's trial session. */
    synchronized Verdict record(String agent, SessionOutcome outcome, boolean trial) {
        AgentRecord record = agents.computeIfAbsent(agent, name -> new AgentRecord());
        if (trial) {
            record.trialRunning = false;
        }
        switch (outcome) {
            case SessionOutcome.Success success -> {
                workerFailures = 0;
                record.failures = 0;
                if (record.retryAt != null) {
                    record.retryAt = null;
                    return new Verdict.AgentRecovered(agent);
                }
                return NONE;
            }
            case SessionOutcome.Cancelled cancelled -> {
                return NONE;
            }
            case SessionOutcome.Failed failed -> {
                return switch (FailureSource.of(failed.error())) {
                    case INFRASTRUCTURE -> NONE;
                    case AGENT -> agentFailed(agent, record, failed.message(), trial);
                    case WORKER -> workerFailed(failed.message());
                };
            }
        }
    }

    private Verdict agentFailed(String agent, AgentRecord record, String message, boolean trial) {
        workerFailures = 0;
        record.failures++;
        record.lastFailure = message;
        boolean trips = record.retryAt == null ? record.failures >= limit : trial;
        if (!trips) {
            return NONE;
        }
        record.retryAt = clock.instant().plus(retryAfter);
        return new Verdict.AgentTripped(agent, record.failures, message, record.retryAt);
    }

    private Verdict workerFailed(String message) {
        workerFailures++;
        if (!workerTripped && workerFailures >= limit) {
            workerTripped = true;
            return new Verdict.WorkerTripped(workerFailures, message);
        }
        return NONE;
    }

    /** The worker's failures in a row (failures of agents and of the infrastructure left out). */
    synchronized int consecutiveFailures() {
        return workerFailures;
    }

    /** Whether the worker itself is broken. */
    synchronized boolean tripped() {
        return workerTripped;
    }

    /** Why {@code agent} is out of service, or null while it is in service. */
    synchronized String unhealthyReason(String agent) {
        AgentRecord record = agents.get(agent);
        return record == null || record.retryAt == null ? null : describe(record);
    }

    /** The agents out of service now, by name, each with why. */
    synchronized Map<String, String> unhealthyAgents() {
        Map<String, String> unhealthy = new TreeMap<>();
        agents.forEach((agent, record) -> {
            if (record.retryAt != null) {
                unhealthy.put(agent, describe(record));
            }
        });
        return unhealthy;
    }

    private String describe(AgentRecord record) {
        return record.failures + " sessions failed in a row (openrtc.consecutive-failure-limit is " + limit
                + "), the last with " + record.lastFailure + "; "
                + (record.trialRunning ? "a trial session is running" : "a trial session is let through from " + record.retryAt
                + " (openrtc.agent-retry-after)");
    }
}
