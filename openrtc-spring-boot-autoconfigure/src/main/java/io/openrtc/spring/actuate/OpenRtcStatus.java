package io.openrtc.spring.actuate;

import io.openrtc.observe.AgentVoiceSnapshot;
import io.openrtc.observe.OpenRtcSnapshot;
import io.openrtc.observe.VoiceMetric;
import io.openrtc.observe.PoolSnapshot;
import io.openrtc.observe.SessionInfo;
import io.openrtc.observe.WorkerSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of {@code GET /actuator/openrtc}: one {@link OpenRtcSnapshot} in plain JSON values
 * (times as ISO-8601 strings, durations in seconds), so it reads the same with any JSON mapper.
 *
 * @param at                    when the snapshot was taken
 * @param workerId              LiveKit's id for the worker's registration, empty while not registered
 * @param connection            the connection to LiveKit: {@code REGISTERED}, {@code CONNECTING},
 *                              {@code DISCONNECTED} or {@code STOPPED}
 * @param connectionSince       when the connection entered that state
 * @param lastError             the last connection error, empty if none
 * @param reconnectAttempts     consecutive failed connection attempts (0 while registered)
 * @param isolation             {@code coroutine} or {@code process}
 * @param load                  active plus reserved sessions over the capacity, in [0, 1]
 * @param maxConcurrentSessions the capacity
 * @param activeSessions        sessions running now
 * @param reservedSessions      jobs accepted whose assignment has not arrived yet
 * @param draining              whether the worker drains (declines every new job)
 * @param broken                whether the worker declared itself broken and must be restarted
 * @param brokenReason          why, empty while not broken
 * @param agents                every registered agent with its active sessions, in registration order
 * @param sessions              the running sessions, oldest first
 * @param tenants               the tenants with sessions running now or a circuit breaker that is not
 *                              closed, by id
 * @param deploymentVersion     {@code openrtc.deployment.version}, empty when not set
 * @param cost                  what sessions cost ({@code openrtc.cost.enabled=true}); absent otherwise
 */
public record OpenRtcStatus(
        String at,
        String workerId,
        String connection,
        String connectionSince,
        String lastError,
        int reconnectAttempts,
        String isolation,
        double load,
        int maxConcurrentSessions,
        int activeSessions,
        int reservedSessions,
        boolean draining,
        boolean broken,
        String brokenReason,
        List<AgentStatus> agents,
        List<RunningSession> sessions,
        List<TenantStatus> tenants,
        String deploymentVersion,
        @org.jspecify.annotations.Nullable CostStatus cost) {

    /**
     * One tenant.
     *
     * @param tenant         its id
     * @param activeSessions how many of its sessions run now
     * @param breaker        how its circuit breaker stands when it is not closed (open, or
     *                       half-open letting trial sessions through); absent while closed
     */
    public record TenantStatus(String tenant, int activeSessions, String breaker) {
    }

    /**
     * One registered agent.
     *
     * @param name           its name
     * @param activeSessions how many of its sessions run now
     * @param voice          its voice figures since the worker started
     */
    public record AgentStatus(String name, int activeSessions, VoiceStatus voice) {
    }

    /**
     * An agent's voice figures, durations in seconds ({@code null} before any was measured).
     *
     * @param turns                turns answered
     * @param interruptions        times the user stopped the agent
     * @param falseInterruptions   times speech paused it without words
     * @param toolCalls            tools run
     * @param toolFailures         of which failed
     * @param providerErrors       provider failures
     * @param droppedTurns         user words that got no answer, with a reason
     * @param stateRepairs         stuck "speaking" states repaired (0 unless something is wrong)
     * @param meanResponseSeconds  mean end of speech to first audio
     * @param meanSttSeconds       mean speech-to-text latency
     * @param meanLlmFirstTokenSeconds mean time to the model's first token
     * @param meanTtsFirstByteSeconds  mean time to the first synthesised audio
     * @param meanFrameworkSeconds mean framework share of the response
     * @param lastTurn             the last turn's figures, or null
     */
    public record VoiceStatus(long turns, long interruptions, long falseInterruptions, long toolCalls, long toolFailures,
                              long providerErrors, long droppedTurns, long stateRepairs, Double meanResponseSeconds, Double meanSttSeconds,
                              Double meanLlmFirstTokenSeconds, Double meanTtsFirstByteSeconds, Double meanFrameworkSeconds,
                              LastTurn lastTurn) {

        static VoiceStatus of(AgentVoiceSnapshot voice) {
            VoiceMetric.Turn last = voice.lastTurn();
            return new VoiceStatus(voice.turns(), voice.interruptions(), voice.falseInterruptions(), voice.toolCalls(),
                    voice.toolFailures(), voice.providerErrors(), voice.droppedTurns(), voice.stateRepairs(),
                    seconds(voice.meanResponse()),
                    seconds(voice.meanTranscription()), seconds(voice.meanLlmFirstToken()), seconds(voice.meanTtsFirstByte()),
                    seconds(voice.meanFramework()), last == null ? null : new LastTurn(last.typed() ? "text" : "speech",
                            seconds(last.endOfUtterance()), seconds(last.transcription()), seconds(last.llmFirstToken()),
                            seconds(last.ttsFirstByte()), seconds(last.response()), seconds(last.framework()), last.interrupted()));
        }
    }

    /** The last turn's timings, in seconds ({@code null} where not measured). */
    public record LastTurn(String source, Double endOfUtteranceSeconds, Double sttSeconds, Double llmFirstTokenSeconds,
                           Double ttsFirstByteSeconds, Double responseSeconds, Double frameworkSeconds, boolean interrupted) {
    }

    /**
     * One running session.
     *
     * @param agent           the agent serving it
     * @param tenant          the tenant it belongs to
     * @param room            its room
     * @param jobId           LiveKit's job id
     * @param startedAt       when it started
     * @param durationSeconds how long it has run, at the snapshot's time
     */
    public record RunningSession(String agent, String tenant, String room, String jobId, String startedAt,
                                 double durationSeconds) {
    }

    /** The status that {@code snapshot} describes, of a worker without a deployment version. */
    public static OpenRtcStatus of(OpenRtcSnapshot snapshot) {
        return of(snapshot, "", null);
    }

    /**
     * The status that {@code snapshot} describes, of deployment {@code deploymentVersion}, with
     * {@code cost} when the cost monitor runs.
     */
    public static OpenRtcStatus of(OpenRtcSnapshot snapshot, String deploymentVersion,
                                   @org.jspecify.annotations.Nullable CostStatus cost) {
        WorkerSnapshot worker = snapshot.worker();
        PoolSnapshot pool = snapshot.pool();
        List<AgentStatus> agents = new ArrayList<>();
        for (String name : snapshot.agents()) {
            agents.add(new AgentStatus(name, pool.activeByAgent().getOrDefault(name, 0),
                    VoiceStatus.of(snapshot.voice().getOrDefault(name, AgentVoiceSnapshot.NONE))));
        }
        List<RunningSession> sessions = new ArrayList<>();
        for (SessionInfo session : pool.sessions()) {
            sessions.add(new RunningSession(session.agentName(), session.tenant(), session.roomName(), session.jobId(),
                    session.startedAt().toString(), seconds(session.startedAt(), snapshot.at())));
        }
        java.util.Set<String> tenantIds = new java.util.TreeSet<>(pool.activeByTenant().keySet());
        tenantIds.addAll(pool.tenantBreakers().keySet());
        List<TenantStatus> tenants = new ArrayList<>();
        for (String tenant : tenantIds) {
            tenants.add(new TenantStatus(tenant, pool.activeByTenant().getOrDefault(tenant, 0), pool.tenantBreakers().get(tenant)));
        }
        return new OpenRtcStatus(snapshot.at().toString(), worker.workerId(), worker.state().name(),
                worker.since().toString(), worker.lastError(), worker.failedAttempts(), pool.isolation(), pool.load(),
                pool.maxConcurrentSessions(), pool.active(), pool.reserved(), snapshot.draining(), broken(snapshot),
                snapshot.brokenReason(), List.copyOf(agents), List.copyOf(sessions), List.copyOf(tenants),
                deploymentVersion, cost);
    }

    /** Broken: declared so, or the pool's supervisor tripped (the declaration follows at once). */
    static boolean broken(OpenRtcSnapshot snapshot) {
        return snapshot.broken() || snapshot.pool().tripped();
    }

    private static Double seconds(Duration value) {
        return value == null ? null : value.toNanos() / 1e9;
    }

    private static double seconds(Instant from, Instant to) {
        Duration d = Duration.between(from, to);
        return d.isNegative() ? 0.0 : d.toMillis() / 1000.0;
    }
}
