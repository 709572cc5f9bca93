package io.openrtc.spring.autoconfigure;

import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.AgentSettings;
import io.openrtc.routing.AgentRouter;
import io.openrtc.routing.RequestFilter;
import io.openrtc.routing.RoutingStrategy;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Turns a Spring Boot application into an OpenRTC worker: binds {@code openrtc.*}, discovers
 * {@code @AgentConfig} beans, routes jobs to them, and runs the worker and its session pool.
 * {@code openrtc.enabled=false} switches it all off.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "openrtc.enabled", matchIfMissing = true)
@EnableConfigurationProperties(OpenRtcProperties.class)
public class OpenRtcAutoConfiguration {

    /** The LiveKit URL and key pair, from {@code openrtc.livekit.*} or {@code LIVEKIT_*}. */
    @Bean
    @ConditionalOnMissingBean
    LiveKitCredentials openRtcLiveKitCredentials(OpenRtcProperties properties, Environment environment) {
        return LiveKitCredentials.resolve(properties.livekit(), environment);
    }

    /** Every {@code @AgentConfig} bean and {@code AgentRegistration} bean, in registration order. */
    @Bean
    @ConditionalOnMissingBean
    AgentRegistry openRtcAgentRegistry(ConfigurableListableBeanFactory beanFactory, OpenRtcProperties properties) {
        OpenRtcProperties.Defaults defaults = properties.defaults();
        return new AgentDiscovery(beanFactory).discover(new AgentSettings(defaults.greeting(), "", defaults.participantName()));
    }

    /** The routing chain: user {@link RoutingStrategy} beans (in {@code @Order}) first, then the built-in steps. */
    @Bean
    @ConditionalOnMissingBean
    AgentRouter openRtcAgentRouter(AgentRegistry agents, ObjectProvider<RoutingStrategy> strategies,
                                   ObjectProvider<RequestFilter> requestFilters, OpenRtcProperties properties) {
        boolean acceptOnlyRegistered = properties.routing().acceptOnlyRegisteredRooms();
        List<RequestFilter> filters = requestFilters.orderedStream().toList();
        if (acceptOnlyRegistered && !filters.isEmpty()) {
            throw new IllegalStateException("openrtc.routing.accept-only-registered-rooms=true cannot be combined with a "
                    + "RequestFilter bean (" + filters.getFirst().getClass().getName() + "): both decide which jobs to take. "
                    + "Remove the property, or encode the rule in the filter.");
        }
        return new AgentRouter(agents, strategies.orderedStream().toList(), acceptOnlyRegistered);
    }
}
