package io.openrtc.spring.actuate;

import io.openrtc.runtime.AgentPool;
import io.openrtc.spring.autoconfigure.ConditionalOnWorkerRole;
import io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code openrtc} health contributor, when Spring Boot's health module is present
 * ({@code management.health.openrtc.enabled=false} switches it off). Conditions that name classes
 * of an optional module sit on the bean method, so that the class-level
 * {@code @ConditionalOnClass} is checked first.
 */
@AutoConfiguration(after = OpenRtcAutoConfiguration.class,
        beforeName = "org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration")
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(AgentPool.class)
@ConditionalOnWorkerRole
public class OpenRtcHealthAutoConfiguration {

    /** Named so that the contributor is {@code openrtc}. */
    @Bean
    @ConditionalOnEnabledHealthIndicator("openrtc") // here, not on the class: its condition class is in the health module
    @ConditionalOnMissingBean(name = "openrtcHealthIndicator")
    OpenRtcHealthIndicator openrtcHealthIndicator(AgentPool agentPool) {
        return new OpenRtcHealthIndicator(agentPool);
    }
}
