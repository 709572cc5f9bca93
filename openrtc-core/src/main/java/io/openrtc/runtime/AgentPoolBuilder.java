package io.openrtc.runtime;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentProvider;
import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.AgentSettings;
import io.openrtc.agent.JobType;
import io.openrtc.observe.OpenRtcListener;
import io.openrtc.pool.PoolOptions;
import io.openrtc.pool.Prewarm;
import io.openrtc.routing.RequestFilter;
import io.openrtc.routing.RoutingOptions;
import io.openrtc.routing.RoutingStrategy;
import io.openrtc.rtc.RoomOptions;
import io.openrtc.rtc.RtcRuntimeOptions;
import io.openrtc.tenant.TenantOptions;
import io.openrtc.tenant.TenantResolver;
import io.openrtc.voice.VoiceSetup;
import io.openrtc.worker.WorkerOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Builds an {@link AgentPool} ({@link AgentPool#builder()}): the agents, the LiveKit server,
 * routing, the pool's and the rooms' settings. Not thread-safe; {@link #build()} checks that the
 * settings fit together.
 */
public final class AgentPoolBuilder {

    // Read by AgentPool's constructor.
    final List<AgentRegistration> registrations = new ArrayList<>();
    final List<RoutingStrategy> strategies = new ArrayList<>();
    final List<OpenRtcListener> listeners = new ArrayList<>();
    final List<Prewarm> prewarms = new ArrayList<>();
    URI url;
    String apiKey;
    String apiSecret;
    String agentName = "";
    JobType jobType = JobType.ROOM;
    double loadThreshold = 0.7;
    RequestFilter requestFilter;
    Duration requestFilterTimeout = Duration.ofMillis(500);
    boolean acceptOnlyRegisteredRooms;
    String defaultAgent;
    Duration strategyTimeout = RoutingOptions.DEFAULT_STRATEGY_TIMEOUT;
    PoolOptions poolOptions = PoolOptions.defaults();
    RoomOptions roomOptions = RoomOptions.defaults();
    RtcRuntimeOptions rtcOptions = RtcRuntimeOptions.defaults();
    boolean joinRoom = true;
    UnaryOperator<WorkerOptions.Builder> workerCustomizer = UnaryOperator.identity();
    VoiceSetup voiceSetup;
    TenantResolver tenantResolver = TenantResolver.fromMetadata();
    Duration tenantResolverTimeout = RuntimeJobAdmission.DEFAULT_TENANT_RESOLVER_TIMEOUT;
    TenantOptions tenants = TenantOptions.defaults();

    AgentPoolBuilder() {
    }

    /** The LiveKit server and its API key pair. */
    public AgentPoolBuilder livekit(URI url, String apiKey, String apiSecret) {
        this.url = Objects.requireNonNull(url, "url (LIVEKIT_URL)");
        this.apiKey = Objects.requireNonNull(apiKey, "apiKey (LIVEKIT_API_KEY)");
        this.apiSecret = Objects.requireNonNull(apiSecret, "apiSecret (LIVEKIT_API_SECRET)");
        return this;
    }

    /** The LiveKit server and its API key pair; {@code url} as {@code ws(s)://} or {@code http(s)://}. */
    public AgentPoolBuilder livekit(String url, String apiKey, String apiSecret) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("The LiveKit URL (LIVEKIT_URL) is not set");
        }
        return livekit(URI.create(url.strip()), apiKey, apiSecret);
    }

    /** Registers {@code agent} under {@code name}; one instance serves every session. */
    public AgentPoolBuilder add(String name, Agent agent) {
        return add(new AgentRegistration(name, AgentProvider.singleton(agent), AgentSettings.DEFAULTS));
    }

    /** Registers {@code agent} under the name of its {@code @AgentConfig} (or its class name). */
    public AgentPoolBuilder add(Agent agent) {
        return add(AgentRegistration.of(agent));
    }

    /** Registers an agent that gets a fresh instance from {@code factory} for every session. */
    public AgentPoolBuilder addPerSession(String name, Supplier<? extends Agent> factory) {
        return add(new AgentRegistration(name, AgentProvider.perSession(factory), AgentSettings.DEFAULTS));
    }

    /**
     * Registers an agent. Unless {@link #defaultAgent} names another, the first one registered
     * serves jobs nothing else routes.
     */
    public AgentPoolBuilder add(AgentRegistration registration) {
        registrations.add(Objects.requireNonNull(registration, "registration"));
        return this;
    }

    /** The name to register under for explicit dispatch; empty (the default) for automatic dispatch. */
    public AgentPoolBuilder agentName(String agentName) {
        this.agentName = Objects.requireNonNull(agentName, "agentName");
        return this;
    }

    /** Which jobs to take (default {@link JobType#ROOM}). */
    public AgentPoolBuilder jobType(JobType jobType) {
        this.jobType = Objects.requireNonNull(jobType, "jobType");
        return this;
    }

    /** The load reported at capacity: the server's {@code agents.target_load} (default 0.7). */
    public AgentPoolBuilder loadThreshold(double loadThreshold) {
        this.loadThreshold = loadThreshold;
        return this;
    }

    /**
     * A routing step asked before the built-in chain. Offers are routed side by side, so it must
     * be thread-safe; each call gets at most {@link #routingStrategyTimeout} (default 500 ms).
     */
    public AgentPoolBuilder routingStrategy(RoutingStrategy strategy) {
        strategies.add(Objects.requireNonNull(strategy, "strategy"));
        return this;
    }

    /**
     * How long one routing strategy may take for a job ({@code openrtc.routing.strategy-timeout},
     * 1 ms to 2 s): past it the job is declined and the strategy's thread interrupted.
     */
    public AgentPoolBuilder routingStrategyTimeout(Duration timeout) {
        this.strategyTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /**
     * The agent that serves jobs nothing else routes ({@code openrtc.routing.default-agent});
     * by default the first registered one.
     */
    public AgentPoolBuilder defaultAgent(String agentName) {
        this.defaultAgent = Objects.requireNonNull(agentName, "agentName");
        return this;
    }

    /** A filter deciding which jobs to take, given at most {@code timeout} per job. */
    public AgentPoolBuilder requestFilter(RequestFilter filter, Duration timeout) {
        this.requestFilter = Objects.requireNonNull(filter, "filter");
        this.requestFilterTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /**
     * Decides each job's tenant instead of {@link TenantResolver#fromMetadata()} ({@code tenant} in
     * the job's metadata, then the room's, else {@code default}); given at most {@code timeout} per
     * job ({@code openrtc.routing.tenant-resolver-timeout}, 1 ms to 2 s) before the job is declined.
     */
    public AgentPoolBuilder tenantResolver(TenantResolver resolver, Duration timeout) {
        this.tenantResolver = Objects.requireNonNull(resolver, "resolver");
        this.tenantResolverTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /**
     * The tenants: each one's cap, allowed agents ({@code openrtc.tenants.<id>.*}), and the
     * breaker every tenant has ({@code openrtc.tenant-breaker.*}). Default: none listed, breakers
     * with OpenRTC's defaults.
     */
    public AgentPoolBuilder tenants(TenantOptions tenants) {
        this.tenants = Objects.requireNonNull(tenants, "tenants");
        return this;
    }

    /** Take only jobs an explicit signal (metadata, room name) maps to a registered agent. */
    public AgentPoolBuilder acceptOnlyRegisteredRooms(boolean value) {
        this.acceptOnlyRegisteredRooms = value;
        return this;
    }

    /** Isolation, capacity, supervisor, drain and memory settings. */
    public AgentPoolBuilder poolOptions(PoolOptions options) {
        this.poolOptions = Objects.requireNonNull(options, "options");
        return this;
    }

    /** How sessions join their rooms. */
    public AgentPoolBuilder roomOptions(RoomOptions options) {
        this.roomOptions = Objects.requireNonNull(options, "options");
        return this;
    }

    /** How the JVM's WebRTC runtime is built. */
    public AgentPoolBuilder rtcOptions(RtcRuntimeOptions options) {
        this.rtcOptions = Objects.requireNonNull(options, "options");
        return this;
    }

    /**
     * Whether sessions join their LiveKit room before the agent runs (default true). Without
     * it {@code session.room()} is unavailable: for load tests of the runtime itself.
     */
    public AgentPoolBuilder joinRoom(boolean joinRoom) {
        this.joinRoom = joinRoom;
        return this;
    }

    /**
     * Gives the agents a voice ({@code session.voice()}): the options and the speech-to-text and
     * text-to-speech providers of each agent. The VAD model is then loaded once per JVM that
     * runs sessions, before its first job.
     */
    public AgentPoolBuilder voice(VoiceSetup setup) {
        this.voiceSetup = Objects.requireNonNull(setup, "setup");
        return this;
    }

    /** Prepares shared resources once per JVM that runs sessions, after the WebRTC runtime. */
    public AgentPoolBuilder prewarm(Prewarm prewarm) {
        prewarms.add(Objects.requireNonNull(prewarm, "prewarm"));
        return this;
    }

    /** Receives every {@link io.openrtc.observe.OpenRtcEvent}. */
    public AgentPoolBuilder listener(OpenRtcListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** Tunes the worker's protocol settings (timeouts, backoff, permissions). */
    public AgentPoolBuilder workerOptions(UnaryOperator<WorkerOptions.Builder> customizer) {
        this.workerCustomizer = Objects.requireNonNull(customizer, "customizer");
        return this;
    }

    /**
     * Builds the pool.
     *
     * @throws IllegalArgumentException when no agent is registered, names clash, or settings
     *                                  contradict each other
     */
    public AgentPool build() {
        return new AgentPool(this);
    }
}
