package io.openrtc.spring.cost;

import io.micrometer.core.instrument.MeterRegistry;
import io.openrtc.cost.CostMonitor;
import io.openrtc.runtime.AgentPool;
import io.openrtc.spring.autoconfigure.ConditionalOnWorkerRole;
import io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The cost monitor of the worker, with {@code openrtc.cost.enabled=true}: started with the
 * context (before the worker takes jobs), closed with it.
 */
@AutoConfiguration(after = OpenRtcAutoConfiguration.class)
@ConditionalOnBean(AgentPool.class)
@ConditionalOnWorkerRole
@ConditionalOnBooleanProperty(name = "openrtc.cost.enabled")
@EnableConfigurationProperties(CostProperties.class)
public class OpenRtcCostAutoConfiguration {

    @Bean(initMethod = "start", destroyMethod = "close")
    @ConditionalOnMissingBean
    CostMonitor openRtcCostMonitor(CostProperties properties, AgentPool agentPool) {
        return new CostMonitor(properties.toOptions(), agentPool.tenants()::meterTag);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class Meters {

        @Bean
        @ConditionalOnMissingBean
        OpenRtcCostMetrics openRtcCostMetrics(AgentPool agentPool, CostMonitor monitor) {
            return new OpenRtcCostMetrics(agentPool, monitor);
        }
    }
}
