package io.openrtc.spring.autoconfigure;

import io.openrtc.tenant.TenantBreakerOptions;
import io.openrtc.tenant.TenantOptions;
import io.openrtc.tenant.TenantSettings;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the OpenRTC worker, bound from openrtc.*. Every value is checked when the
 * application starts; a bad one stops it with a message naming the property.
 *
 * @param enabled                 Whether OpenRTC runs at all; false switches the whole
 *                                auto-configuration off
 * @param livekit                 How to reach LiveKit
 * @param agentName               The name this worker registers under for explicit dispatch;
 *                                empty for automatic dispatch (a job for every new room)
 * @param jobType                 Which jobs to take: room (one per room),
 *                                publisher or participant
 * @param isolation               How sessions are isolated: coroutine (a virtual thread
 *                                each, in this JVM) or process (a child JVM each)
 * @param maxConcurrentSessions   The most sessions this worker runs at once; further jobs are
 *                                declined so LiveKit offers them to other workers
 * @param loadThreshold           The load reported to LiveKit when the worker is full; must equal
 *                                the server's agents.target_load (0.7 by default), above
 *                                which it stops dispatching to the worker
 * @param consecutiveFailureLimit How many sessions in a row may fail: that many failures of one
 *                                agent's own code take that agent out of service (its jobs are
 *                                declined while the other agents keep serving); that many failures
 *                                of the worker itself (child JVMs that do not start, the WebRTC
 *                                runtime) mark the worker broken (it drains and stops, liveness
 *                                turns BROKEN). A lost room or server counts for neither
 * @param agentRetryAfter         How long an agent out of service is declined before one trial
 *                                session is let through; its success puts the agent back
 * @param drainTimeout            How long a drain waits for running sessions before cancelling
 *                                them
 * @param cancelGrace             How long a cancelled session has to end before it is given up
 *                                (its thread abandoned, its child JVM killed)
 * @param memory                  Memory watermarks (coroutine isolation)
 * @param routing                 How jobs are routed to agents
 * @param process                 Child JVMs (process isolation)
 * @param defaults                Defaults for agents that leave a setting empty
 * @param agents                  Per-agent settings, by agent name (openrtc.agents.restaurant.tts=...)
 * @param tenants                 Per-tenant settings, by tenant id (openrtc.tenants.acme.max-concurrent-sessions=...):
 *                                caps, allowed agents and voice providers of the customers this worker
 *                                serves. Tenants not listed are served with no cap of their own and go
 *                                by "other" in meters
 * @param tenantBreaker           The circuit breaker every tenant (but the default one) has: declines
 *                                a tenant's jobs for a while once too many of its sessions failed
 */
@ConfigurationProperties("openrtc")
public record OpenRtcProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue Livekit livekit,
        @DefaultValue("") String agentName,
        @DefaultValue("room") JobTypeSetting jobType,
        @DefaultValue("coroutine") Isolation isolation,
        @DefaultValue("50") int maxConcurrentSessions,
        @DefaultValue("0.7") double loadThreshold,
        @DefaultValue("5") int consecutiveFailureLimit,
        @DefaultValue("1m") Duration agentRetryAfter,
        @DefaultValue("30s") Duration drainTimeout,
        @DefaultValue("5s") Duration cancelGrace,
        @DefaultValue Memory memory,
        @DefaultValue Routing routing,
        @DefaultValue Process process,
        @DefaultValue Defaults defaults,
        Map<String, AgentProperties> agents,
        Map<String, TenantProperties> tenants,
        @DefaultValue TenantBreaker tenantBreaker) {

    public OpenRtcProperties {
        agentName = agentName == null ? "" : agentName.strip();
        // What the worker would refuse later, refused here under the property's name (PropertyBindingFuzzTest
        // found the worker's "agentName '...' must not have ... control characters" naming no property).
        require(agentName.chars().noneMatch(Character::isISOControl),
                "openrtc.agent-name must not contain control characters, was '" + agentName + "'");
        agents = agents == null ? Map.of() : Map.copyOf(agents);
        tenants = tenants == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(tenants));
        tenantBreaker = tenantBreaker == null ? TenantBreaker.DEFAULTS : tenantBreaker;
        tenantOptions(tenants, tenantBreaker); // checks every tenant's settings, naming the property
        require(maxConcurrentSessions >= 1, "openrtc.max-concurrent-sessions must be at least 1, was " + maxConcurrentSessions);
        require(loadThreshold > 0 && loadThreshold <= 1,
                "openrtc.load-threshold must be in (0, 1] (the server's agents.target_load, 0.7 by default), was " + loadThreshold);
        require(consecutiveFailureLimit >= 1,
                "openrtc.consecutive-failure-limit must be at least 1, was " + consecutiveFailureLimit);
        require(agentRetryAfter.isPositive(), "openrtc.agent-retry-after must be positive, was " + agentRetryAfter);
        require(!drainTimeout.isNegative(), "openrtc.drain-timeout must not be negative, was " + drainTimeout);
        require(!cancelGrace.isNegative(), "openrtc.cancel-grace must not be negative, was " + cancelGrace);
    }

    /**
     * How to reach LiveKit. Each value falls back to the standard environment variable
     * (LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET) when empty.
     *
     * @param url       The LiveKit server URL (wss://..., ws://..., https://..., http://...)
     * @param apiKey    The API key
     * @param apiSecret The API secret; never logged
     */
    public record Livekit(String url, String apiKey, String apiSecret) {

        @Override
        public String toString() {
            return "Livekit[url=" + url + ", apiKey=" + apiKey + ", apiSecret=" + (apiSecret == null ? "null" : "<redacted>") + "]";
        }
    }

    /** The tenants and their breaker as the runtime takes them. */
    public TenantOptions toTenantOptions() {
        return tenantOptions(tenants, tenantBreaker);
    }

    private static TenantOptions tenantOptions(Map<String, TenantProperties> tenants, TenantBreaker breaker) {
        TenantOptions.Builder builder = TenantOptions.builder().breaker(breaker.toOptions());
        tenants.forEach((id, tenant) -> builder.tenant(id, tenant.toSettings()));
        return builder.build();
    }

    /**
     * Memory watermarks, checked against heap used after garbage collection (with the process's
     * resident memory as a second signal).
     *
     * @param warn  Above this, log a warning once per crossing
     * @param limit Above this, stop taking jobs, drain and stop the worker (so the platform
     *              restarts it)
     */
    public record Memory(DataSize warn, DataSize limit) {

        public Memory {
            require(warn == null || warn.toBytes() > 0, "openrtc.memory.warn must be positive, was " + warn);
            require(limit == null || limit.toBytes() > 0, "openrtc.memory.limit must be positive, was " + limit);
            if (warn != null && limit != null && warn.toBytes() >= limit.toBytes()) {
                throw new IllegalArgumentException("openrtc.memory.warn (" + describe(warn)
                        + ") must be below openrtc.memory.limit (" + describe(limit) + ")");
            }
        }
    }

    /**
     * Routing of jobs to agents.
     *
     * @param acceptOnlyRegisteredRooms     Take a job only when its job metadata, room metadata or
     *                                      room name maps it to a registered agent (no fallback to
     *                                      the default agent); cannot be combined with a
     *                                      RequestFilter bean or default-agent
     * @param requestFilterTimeout          How long a RequestFilter may take before the job
     *                                      is declined and the filter interrupted (LiveKit waits
     *                                      about 3 s for an answer)
     * @param defaultAgent                  The agent that serves jobs that no metadata, room name
     *                                      or RoutingStrategy routes; empty for the agent with
     *                                      the lowest @Order, or the only agent. With several
     *                                      agents one of the two is required
     * @param strategyTimeout               How long one RoutingStrategy bean may take for a job
     *                                      before the job is declined and the strategy
     *                                      interrupted (strategies run side by side, so they
     *                                      must be thread-safe)
     * @param tenantResolverTimeout         How long a TenantResolver bean may take for a job before
     *                                      the job is declined and the resolver interrupted (the
     *                                      default resolver, which reads metadata, needs no time)
     */
    public record Routing(@DefaultValue("false") boolean acceptOnlyRegisteredRooms,
                          @DefaultValue("500ms") Duration requestFilterTimeout,
                          @DefaultValue("") String defaultAgent,
                          @DefaultValue("500ms") Duration strategyTimeout,
                          @DefaultValue("500ms") Duration tenantResolverTimeout) {

        public Routing {
            require(requestFilterTimeout.isPositive() && requestFilterTimeout.compareTo(Duration.ofSeconds(2)) <= 0,
                    "openrtc.routing.request-filter-timeout must be between 1ms and 2s (LiveKit waits about 3 s for an answer), was "
                            + requestFilterTimeout);
            require(strategyTimeout.isPositive() && strategyTimeout.compareTo(Duration.ofSeconds(2)) <= 0,
                    "openrtc.routing.strategy-timeout must be between 1ms and 2s (LiveKit waits about 3 s for an answer), was "
                            + strategyTimeout);
            require(tenantResolverTimeout.isPositive() && tenantResolverTimeout.compareTo(Duration.ofSeconds(2)) <= 0,
                    "openrtc.routing.tenant-resolver-timeout must be between 1ms and 2s (LiveKit waits about 3 s for an answer), was "
                            + tenantResolverTimeout);
            defaultAgent = defaultAgent == null ? "" : defaultAgent.strip();
            require(defaultAgent.isEmpty() || !acceptOnlyRegisteredRooms, "openrtc.routing.default-agent ("
                    + defaultAgent + ") cannot be combined with openrtc.routing.accept-only-registered-rooms=true: the "
                    + "one names who serves jobs nothing routes, the other declines them");
        }
    }

    /**
     * Child JVMs for openrtc.isolation=process.
     *
     * @param idleProcesses How many children to keep booted and waiting, so a job does not wait
     *                      for a JVM to start
     * @param memoryLimit   The most memory one child may use: a resident memory watch kills a
     *                      child above it, and its heap gets -Xmx of three quarters of it (unless
     *                      jvm-args sets one)
     * @param jvmArgs       Extra JVM arguments for the children
     * @param mainClass     The children's main class; empty for the one this JVM was started with
     * @param startTimeout  How long a child may take to boot and report ready
     */
    public record Process(@DefaultValue("1") int idleProcesses,
                          @DefaultValue("512MB") DataSize memoryLimit,
                          @DefaultValue List<String> jvmArgs,
                          String mainClass,
                          @DefaultValue("60s") Duration startTimeout) {

        public Process {
            require(idleProcesses >= 0, "openrtc.process.idle-processes must not be negative, was " + idleProcesses);
            if (memoryLimit.toMegabytes() < 64) {
                throw new IllegalArgumentException("openrtc.process.memory-limit must be at least 64MB, was " + describe(memoryLimit));
            }
            jvmArgs = jvmArgs == null ? List.of() : List.copyOf(jvmArgs);
            require(startTimeout.isPositive(), "openrtc.process.start-timeout must be positive, was " + startTimeout);
        }
    }

    /**
     * Defaults for agents whose @AgentConfig leaves a setting empty.
     *
     * @param greeting        The greeting
     * @param participantName The display name of the agent participant
     * @param stt             The name of the Spring AI TranscriptionModel bean agents listen with;
     *                        empty for the application's only one
     * @param tts             The name of the Spring AI TextToSpeechModel bean agents speak with;
     *                        empty for the application's only one
     * @param llm             The name of the Spring AI ChatModel bean voice agents think with;
     *                        empty for the application's only one
     */
    public record Defaults(@DefaultValue("") String greeting, @DefaultValue("") String participantName,
                           @DefaultValue("") String stt, @DefaultValue("") String tts, @DefaultValue("") String llm) {
    }

    /**
     * Settings of one agent.
     *
     * @param stt      The name of the Spring AI TranscriptionModel bean this agent listens with
     * @param tts      The name of the Spring AI TextToSpeechModel bean this agent speaks with
     * @param llm      The name of the Spring AI ChatModel bean this voice agent thinks with
     * @param tools    Names of ToolCallback or ToolCallbackProvider beans this voice agent may
     *                 call, besides its own @Tool methods
     * @param textOnly Whether this voice agent only types (it then needs no speech-to-text and no
     *                 text-to-speech model)
     */
    public record AgentProperties(@DefaultValue("") String stt, @DefaultValue("") String tts, @DefaultValue("") String llm,
                                  @DefaultValue List<String> tools, @DefaultValue("false") boolean textOnly) {

        public AgentProperties {
            tools = tools == null ? List.of() : List.copyOf(tools);
        }
    }

    /**
     * Settings of one tenant (the customer a job belongs to: {@code tenant} in its job or room
     * metadata, or what a TenantResolver bean says).
     *
     * @param maxConcurrentSessions The most sessions of this tenant this worker runs at once, a hard
     *                              cap reserved when a job is offered like
     *                              openrtc.max-concurrent-sessions; further jobs of the tenant are
     *                              declined. Unset for no cap of its own
     * @param allowedAgents         The agents this tenant's jobs may be served by; a job routed to
     *                              another agent is declined. Empty for every agent
     * @param stt                   The name of the Spring AI TranscriptionModel bean this tenant's
     *                              sessions listen with, instead of the agent's
     * @param tts                   The name of the Spring AI TextToSpeechModel bean this tenant's
     *                              sessions speak with, instead of the agent's
     * @param llm                   The name of the Spring AI ChatModel bean this tenant's sessions
     *                              think with, instead of the agent's
     */
    public record TenantProperties(Integer maxConcurrentSessions, @DefaultValue List<String> allowedAgents,
                                   @DefaultValue("") String stt, @DefaultValue("") String tts, @DefaultValue("") String llm) {

        public TenantProperties {
            allowedAgents = allowedAgents == null ? List.of()
                    : allowedAgents.stream().map(String::strip).toList();
            stt = stt == null ? "" : stt.strip();
            tts = tts == null ? "" : tts.strip();
            llm = llm == null ? "" : llm.strip();
        }

        TenantSettings toSettings() {
            TenantSettings settings = TenantSettings.UNRESTRICTED.withAllowedAgents(new java.util.LinkedHashSet<>(allowedAgents));
            return maxConcurrentSessions == null ? settings : settings.withMaxConcurrentSessions(maxConcurrentSessions);
        }
    }

    /**
     * The circuit breaker every tenant but the default one has (Resilience4j): when more than
     * failure-ratio of at least minimum-sessions sessions of a tenant that ended in the last window
     * failed, its jobs are declined for open-for; then trial-sessions are let through, and their
     * outcomes close it or open it again. Failures of the room or the server and cancellations count
     * for nothing.
     *
     * @param enabled         Whether tenants have circuit breakers
     * @param failureRatio    The share of failed sessions above which the breaker opens, between 0
     *                        and 1
     * @param minimumSessions The fewest ended sessions in the window the breaker decides on
     * @param window          The sliding time window of ended sessions, in whole seconds
     * @param openFor         How long an open breaker declines the tenant's jobs
     * @param trialSessions   How many sessions a half-open breaker lets through to decide
     * @param trialTimeout    How long trial sessions may run undecided before the breaker closes
     *                        (calls that run that long did not fail at their start)
     */
    public record TenantBreaker(@DefaultValue("true") boolean enabled, @DefaultValue("0.5") double failureRatio,
                                @DefaultValue("5") int minimumSessions, @DefaultValue("60s") Duration window,
                                @DefaultValue("30s") Duration openFor, @DefaultValue("3") int trialSessions,
                                @DefaultValue("10s") Duration trialTimeout) {

        /** OpenRTC's defaults. */
        public static final TenantBreaker DEFAULTS = new TenantBreaker(true, 0.5, 5, Duration.ofSeconds(60),
                Duration.ofSeconds(30), 3, Duration.ofSeconds(10));

        public TenantBreaker {
            toOptions(enabled, failureRatio, minimumSessions, window, openFor, trialSessions, trialTimeout);
        }

        TenantBreakerOptions toOptions() {
            return toOptions(enabled, failureRatio, minimumSessions, window, openFor, trialSessions, trialTimeout);
        }

        private static TenantBreakerOptions toOptions(boolean enabled, double failureRatio, int minimumSessions,
                Duration window, Duration openFor, int trialSessions, Duration trialTimeout) {
            return new TenantBreakerOptions(enabled, failureRatio, minimumSessions, window, openFor, trialSessions, trialTimeout);
        }
    }

    /** Session isolation modes. */
    public enum Isolation {
        /** One virtual thread per session, in this JVM. */
        COROUTINE,
        /** One child JVM per session. */
        PROCESS;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** LiveKit job types. */
    public enum JobTypeSetting {
        /** One job per room. */
        ROOM,
        /** One job per participant that publishes. */
        PUBLISHER,
        /** One job per participant that joins. */
        PARTICIPANT
    }

    /** {@code 2GB}, {@code 512MB} or {@code 1000B}: the way the value was most likely written. */
    private static String describe(DataSize size) {
        long bytes = size.toBytes();
        if (bytes % DataSize.ofGigabytes(1).toBytes() == 0) {
            return size.toGigabytes() + "GB";
        }
        if (bytes % DataSize.ofMegabytes(1).toBytes() == 0) {
            return size.toMegabytes() + "MB";
        }
        return bytes + "B";
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
