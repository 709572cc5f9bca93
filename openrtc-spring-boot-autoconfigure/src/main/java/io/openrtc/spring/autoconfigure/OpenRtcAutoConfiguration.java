package io.openrtc.spring.autoconfigure;

import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.AgentSettings;
import io.openrtc.agent.JobType;
import io.openrtc.observe.OpenRtcListener;
import io.openrtc.pool.Isolation;
import io.openrtc.pool.PoolOptions;
import io.openrtc.pool.Prewarm;
import io.openrtc.pool.SessionHost;
import io.openrtc.routing.RequestFilter;
import io.openrtc.routing.RoutingStrategy;
import io.openrtc.rtc.RoomOptions;
import io.openrtc.rtc.RtcRuntimeOptions;
import io.openrtc.runtime.AgentPool;
import io.openrtc.runtime.AgentPoolBuilder;
import io.openrtc.spring.deploy.DeploymentProperties;
import io.openrtc.tenant.TenantResolver;
import io.openrtc.voice.VoiceSetup;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.AbstractEnvironment;
import org.springframework.core.env.Environment;

/**
 * Turns a Spring Boot application into an OpenRTC worker: binds {@code openrtc.*}, discovers
 * {@code @AgentConfig} beans, and runs the worker and its session pool with the application
 * context. {@code openrtc.enabled=false} switches it all off.
 *
 * <p>In a child JVM of process isolation ({@code -Dopenrtc.role=session-host}) the same
 * application boots without a web server and without a worker connection, and serves the one
 * session its parent hands over.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "openrtc.enabled", matchIfMissing = true)
@EnableConfigurationProperties(OpenRtcProperties.class)
public class OpenRtcAutoConfiguration {

    /** Every {@code @AgentConfig} bean and {@code AgentRegistration} bean, in registration order. */
    @Bean
    @ConditionalOnMissingBean
    AgentRegistry openRtcAgentRegistry(ConfigurableListableBeanFactory beanFactory, OpenRtcProperties properties) {
        OpenRtcProperties.Defaults defaults = properties.defaults();
        return new AgentDiscovery(beanFactory).discover(new AgentSettings(defaults.greeting(), "", defaults.participantName()));
    }

    /** The runtime's events, republished as Spring application events for {@code @EventListener} methods. */
    @Bean
    @ConditionalOnBooleanProperty(name = "openrtc.application-events", matchIfMissing = true)
    OpenRtcApplicationEvents openRtcApplicationEvents(ApplicationEventPublisher publisher) {
        return new OpenRtcApplicationEvents(publisher);
    }

    /** The worker of this application: the agents, routing, the session pool and the LiveKit connection. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    AgentPool openRtcAgentPool(OpenRtcProperties properties, AgentRegistry agents, Environment environment,
                               ConfigurableListableBeanFactory beanFactory,
                               ObjectProvider<RoutingStrategy> strategies, ObjectProvider<RequestFilter> requestFilters,
                               ObjectProvider<TenantResolver> tenantResolvers,
                               ObjectProvider<OpenRtcListener> listeners, ObjectProvider<Prewarm> prewarms,
                               ObjectProvider<RoomOptions> roomOptions, ObjectProvider<VoiceSetup> voice,
                               ObjectProvider<LiveKitCredentials> credentials,
                               ObjectProvider<ApplicationArguments> applicationArguments,
                               ObjectProvider<OpenRtcPoolOptionsCustomizer> poolCustomizers,
                               ObjectProvider<OpenRtcWorkerOptionsCustomizer> workerCustomizers,
                               ObjectProvider<OpenRtcRtcRuntimeOptionsCustomizer> rtcCustomizers,
                               ObjectProvider<DeploymentProperties> deployment) {
        AgentPoolBuilder builder = AgentPool.builder();
        agents.all().forEach(builder::add);
        strategies.orderedStream().forEach(builder::routingStrategy);
        List<RequestFilter> filters = requestFilters.orderedStream().toList();
        if (filters.size() > 1) {
            throw new IllegalStateException("Only one RequestFilter bean is supported, found " + filters.size()
                    + ": combine them into one");
        }
        if (!filters.isEmpty()) {
            if (properties.routing().acceptOnlyRegisteredRooms()) {
                throw new IllegalStateException("openrtc.routing.accept-only-registered-rooms=true cannot be combined with a "
                        + "RequestFilter bean (" + filters.getFirst().getClass().getName() + "): both decide which jobs "
                        + "to take. Remove the property, or encode the rule in the filter.");
            }
            builder.requestFilter(filters.getFirst(), properties.routing().requestFilterTimeout());
        }
        builder.acceptOnlyRegisteredRooms(properties.routing().acceptOnlyRegisteredRooms())
                .routingStrategyTimeout(properties.routing().strategyTimeout());
        List<TenantResolver> resolvers = tenantResolvers.orderedStream().toList();
        if (resolvers.size() > 1) {
            throw new IllegalStateException("Only one TenantResolver bean is supported, found " + resolvers.size()
                    + ": combine them into one");
        }
        if (!resolvers.isEmpty()) {
            builder.tenantResolver(resolvers.getFirst(), properties.routing().tenantResolverTimeout());
        }
        builder.tenants(properties.toTenantOptions());
        boolean sessionHost = SessionHost.ROLE.equals(environment.getProperty(SessionHost.ROLE_PROPERTY));
        if (!properties.routing().defaultAgent().isEmpty()) {
            if (!agents.contains(properties.routing().defaultAgent())) {
                throw new IllegalStateException("openrtc.routing.default-agent is '" + properties.routing().defaultAgent()
                        + "', which is not a registered agent; registered: " + agents.names());
            }
            builder.defaultAgent(properties.routing().defaultAgent());
        } else if (!properties.routing().acceptOnlyRegisteredRooms() && !sessionHost) {
            // Explicit, never "whichever bean component scanning listed first": a renamed class
            // must not send calls to another agent. (A session host is handed its agent with the job.)
            builder.defaultAgent(new AgentDiscovery(beanFactory).defaultAgent(agents));
        }
        listeners.orderedStream().forEach(builder::listener);
        prewarms.orderedStream().forEach(builder::prewarm);
        roomOptions.ifAvailable(builder::roomOptions);
        VoiceSetup voiceSetup = voice.getIfAvailable();
        if (voiceSetup != null && !(voiceSetup instanceof SpringVoiceProviders spring && spring.isEmpty())) {
            // Without any Spring AI audio model there is nothing to speak or listen with: no VAD to load either.
            builder.voice(voiceSetup);
        }
        requireTenantProvidersApply(properties, voiceSetup);
        PoolOptions.Builder pool = poolOptions(properties, environment, applicationArguments.getIfAvailable());
        poolCustomizers.orderedStream().forEach(customizer -> customizer.customize(pool));
        RtcRuntimeOptions rtc = RtcRuntimeOptions.defaults();
        for (OpenRtcRtcRuntimeOptionsCustomizer customizer : rtcCustomizers.orderedStream().toList()) {
            rtc = java.util.Objects.requireNonNull(customizer.customize(rtc), () -> customizer + " returned null");
        }
        List<OpenRtcWorkerOptionsCustomizer> workerTuning = workerCustomizers.orderedStream().toList();
        DeploymentProperties version = deployment.getIfAvailable();
        builder.rtcOptions(rtc)
                .workerOptions(options -> {
                    if (version != null && version.hasVersion()) {
                        // RegisterWorkerRequest.version: LiveKit shows it with the worker.
                        options.version(version.version());
                    }
                    workerTuning.forEach(customizer -> customizer.customize(options));
                    return options;
                });
        builder.poolOptions(pool.build())
                .agentName(properties.agentName())
                .jobType(JobType.valueOf(properties.jobType().name()))
                .loadThreshold(properties.loadThreshold());
        if (!sessionHost) {
            // A session host gets its server URL and token with the job; it needs no credentials.
            // The worker's: the application's LiveKitCredentials bean, else the one built from the
            // LiveKitConnectionDetails (a service connection, the development server, or properties).
            LiveKitCredentials livekit = credentials.getIfAvailable(() -> LiveKitCredentials.resolve(properties.livekit(), environment));
            builder.livekit(livekit.url(), livekit.apiKey(), livekit.apiSecret());
        }
        return builder.build();
    }

    /**
     * A tenant's {@code stt}/{@code tts}/{@code llm} names a Spring AI bean, which only the
     * auto-configured voice setup picks: with the application's own {@link VoiceSetup} bean, or no
     * Spring AI on the classpath, the setting would be ignored, and a customer's calls would run on
     * someone else's keys.
     */
    private static void requireTenantProvidersApply(OpenRtcProperties properties, @Nullable VoiceSetup voice) {
        if (voice instanceof SpringVoiceProviders) {
            return;
        }
        properties.tenants().forEach((id, tenant) -> {
            for (String step : List.of("stt", "tts", "llm")) {
                String bean = switch (step) {
                    case "stt" -> tenant.stt();
                    case "tts" -> tenant.tts();
                    default -> tenant.llm();
                };
                if (!bean.isEmpty()) {
                    throw new IllegalStateException("openrtc.tenants." + id + "." + step + "=" + bean + " cannot apply: "
                            + (voice == null ? "the application has no Spring AI model module (spring-ai-model) and "
                                    + "openrtc-spring-ai on its classpath"
                                    : "the application's own VoiceSetup bean (" + voice.getClass().getName()
                                    + ") decides the providers; give each tenant its own in its providers(agent, tenant)"));
                }
            }
        });
    }

    /**
     * The pool's options from {@code openrtc.*}, for the customizers to refine. A child JVM of process isolation boots this same
     * application, so it gets the parent's effective configuration: its active profiles and its
     * program arguments (the parent's {@code -D} system properties and environment it inherits
     * anyway), and no web server of its own.
     */
    static PoolOptions.Builder poolOptions(OpenRtcProperties properties, Environment environment,
                                   @Nullable ApplicationArguments arguments) {
        PoolOptions.Builder pool = PoolOptions.builder()
                .isolation(properties.isolation() == OpenRtcProperties.Isolation.PROCESS ? Isolation.PROCESS : Isolation.COROUTINE)
                .maxConcurrentSessions(properties.maxConcurrentSessions())
                .consecutiveFailureLimit(properties.consecutiveFailureLimit())
                .agentRetryAfter(properties.agentRetryAfter())
                .drainTimeout(properties.drainTimeout())
                .cancelGrace(properties.cancelGrace());
        if (properties.memory().warn() != null) {
            pool.memoryWarnBytes(properties.memory().warn().toBytes());
        }
        if (properties.memory().limit() != null) {
            pool.memoryLimitBytes(properties.memory().limit().toBytes());
        }
        OpenRtcProperties.Process process = properties.process();
        List<String> jvmArgs = new ArrayList<>();
        String[] profiles = environment.getActiveProfiles();
        if (profiles.length > 0) {
            // The profiles as they ended up, however they were activated (a property, the
            // environment, SpringApplication.setAdditionalProfiles, groups): first, so that the
            // configured jvm-args may still override them.
            jvmArgs.add("-D" + AbstractEnvironment.ACTIVE_PROFILES_PROPERTY_NAME + "=" + String.join(",", profiles));
        }
        jvmArgs.addAll(process.jvmArgs());
        // The child boots this same application: without a web server of its own.
        jvmArgs.add("-Dspring.main.web-application-type=none");
        pool.idleProcesses(process.idleProcesses())
                .processMemoryLimitBytes(process.memoryLimit().toBytes())
                .jvmArgs(jvmArgs)
                .processStartTimeout(process.startTimeout());
        if (process.mainClass() != null && !process.mainClass().isBlank()) {
            pool.mainClass(process.mainClass());
        }
        if (arguments != null) {
            // Exactly what SpringApplication.run was given, spaces and all.
            pool.programArgs(List.of(arguments.getSourceArgs()));
        }
        return pool;
    }

    /** The normal role: connect to LiveKit and take jobs. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWorkerRole
    static class WorkerRole {

        /**
         * {@code openrtc.livekit.*} or {@code LIVEKIT_*}, unless a service connection (Testcontainers,
         * Docker Compose), the development server or the application provides connection details.
         */
        @Bean
        @ConditionalOnMissingBean(LiveKitConnectionDetails.class)
        PropertiesLiveKitConnectionDetails openRtcLiveKitConnectionDetails(OpenRtcProperties properties, Environment environment) {
            return new PropertiesLiveKitConnectionDetails(properties.livekit(), environment);
        }

        /** The LiveKit URL and key pair of the connection details, unless the application defines its own. */
        @Bean
        @ConditionalOnMissingBean
        LiveKitCredentials openRtcLiveKitCredentials(LiveKitConnectionDetails connectionDetails) {
            return LiveKitCredentials.of(connectionDetails);
        }

        @Bean
        @ConditionalOnMissingBean
        OpenRtcWorkerLifecycle openRtcWorkerLifecycle(AgentPool agentPool, OpenRtcProperties properties) {
            return new OpenRtcWorkerLifecycle(agentPool, properties.drainTimeout());
        }

        /** A broken worker that stopped itself closes the application, so that it is replaced. */
        @Bean
        OpenRtcBrokenWorkerShutdown openRtcBrokenWorkerShutdown(AgentPool agentPool, ConfigurableApplicationContext context) {
            return new OpenRtcBrokenWorkerShutdown(agentPool, context);
        }
    }

    /** The child role of process isolation: serve one session, then exit. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnSessionHostRole
    static class SessionHostRole {

        @Bean
        OpenRtcSessionHostRunner openRtcSessionHostRunner(AgentPool agentPool, ConfigurableApplicationContext context) {
            return new OpenRtcSessionHostRunner(agentPool, context);
        }
    }
}
