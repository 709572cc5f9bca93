package io.openrtc.observe;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.tenant.Tenants;
import java.time.Duration;
import java.time.Instant;

/**
 * Everything the runtime reports to {@link OpenRtcListener}s: one closed set, so a listener
 * (the Micrometer binder, a log, a test) handles it with one {@code switch}.
 */
public sealed interface OpenRtcEvent {

    /** When it happened. */
    Instant at();

    /** LiveKit offered a job (an availability request arrived). */
    record JobOffered(Instant at, JobInfo job) implements OpenRtcEvent {
    }

    /** The worker accepted a job of {@code tenant}; {@code agentName} will serve it. */
    record JobAccepted(Instant at, JobInfo job, String agentName, String tenant) implements OpenRtcEvent {
        public JobAccepted {
            tenant = Tenants.orDefault(tenant);
        }

        /** A job of the default tenant. */
        public JobAccepted(Instant at, JobInfo job, String agentName) {
            this(at, job, agentName, Tenants.DEFAULT);
        }
    }

    /**
     * The worker declined a job. {@code detail} is a human-readable explanation; {@code tenant}
     * the job's tenant, or empty when the worker declined it before deciding that (draining, full).
     */
    record JobDeclined(Instant at, JobInfo job, DeclineReason reason, String detail, String tenant) implements OpenRtcEvent {
        public JobDeclined {
            tenant = tenant == null ? "" : tenant;
        }

        /** A job declined before its tenant was decided. */
        public JobDeclined(Instant at, JobInfo job, DeclineReason reason, String detail) {
            this(at, job, reason, detail, "");
        }
    }

    /** A session started (its thread or process began). */
    record SessionStarted(Instant at, SessionInfo session) implements OpenRtcEvent {
    }

    /**
     * A session is running (its room joined, the agent's code started); {@code sinceOffer} is
     * the time from the availability request to this moment.
     */
    record SessionRunning(Instant at, SessionInfo session, Duration sinceOffer) implements OpenRtcEvent {
    }

    /** A session ended. */
    record SessionEnded(Instant at, SessionInfo session, SessionOutcome outcome) implements OpenRtcEvent {
    }

    /** The worker registered with LiveKit and got {@code workerId}. */
    record WorkerRegistered(Instant at, String workerId) implements OpenRtcEvent {
    }

    /**
     * LiveKit refused the worker's connection (HTTP 401 or 403: it does not accept the key pair).
     * At startup the worker then stops; later (keys rotated under a running worker) it keeps
     * retrying, and each refused attempt is one event, followed by its {@link WorkerDisconnected}.
     * {@code reason} names the API key and the settings, never the secret.
     */
    record WorkerRejected(Instant at, String reason) implements OpenRtcEvent {
    }

    /**
     * The worker lost (or could not open) its connection; {@code attempt} counts consecutive
     * failed attempts, {@code retryIn} is the backoff before the next.
     */
    record WorkerDisconnected(Instant at, String error, int attempt, Duration retryIn) implements OpenRtcEvent {
    }

    /** A drain started ({@code reason}: shutdown, operator request, supervisor, memory). */
    record DrainStarted(Instant at, String reason, Duration timeout) implements OpenRtcEvent {
    }

    /** A drain finished; {@code cancelled} sessions did not end in time. */
    record DrainFinished(Instant at, int completed, int cancelled) implements OpenRtcEvent {
    }

    /**
     * Too many sessions in a row failed by the worker's own fault (not an agent's, not the
     * server's): the worker is broken, drains and stops.
     */
    record SupervisorTripped(Instant at, int consecutiveFailures) implements OpenRtcEvent {
    }

    /**
     * {@code agentName}'s own code failed {@code consecutiveFailures} sessions in a row (or its
     * trial session failed): its jobs are declined until {@code retryAt}, when one trial session
     * is let through. The other agents keep serving.
     */
    record AgentTripped(Instant at, String agentName, int consecutiveFailures, String lastFailure, Instant retryAt)
            implements OpenRtcEvent {
    }

    /** {@code agentName}, out of service, ran a session successfully: it takes jobs again. */
    record AgentRecovered(Instant at, String agentName) implements OpenRtcEvent {
    }

    /** Memory crossed a watermark ({@code limit} false: the warning one). */
    record MemoryWatermarkCrossed(Instant at, long usedBytes, long thresholdBytes, boolean limit) implements OpenRtcEvent {
    }

    /**
     * The circuit breaker of {@code tenant} opened: {@code failureRate} (0 to 1) of its last
     * {@code sessions} ended sessions failed (or its trial sessions did). Its jobs are declined
     * until {@code trialAt}, when a few trial sessions are let through.
     */
    record TenantBreakerOpened(Instant at, String tenant, double failureRate, int sessions, Instant trialAt)
            implements OpenRtcEvent {
    }

    /** The circuit breaker of {@code tenant} closed again: its jobs are taken as before. */
    record TenantBreakerClosed(Instant at, String tenant) implements OpenRtcEvent {
    }

    /** A session's voice measured something: a turn, an interruption, a tool call, a provider error. */
    record VoiceMeasured(Instant at, SessionInfo session, VoiceMetric metric) implements OpenRtcEvent {
    }
}
