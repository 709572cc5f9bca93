package io.openrtc.spring.actuate;

import io.micrometer.core.instrument.MeterRegistry;
import io.openrtc.runtime.AgentPool;
import io.openrtc.spring.autoconfigure.ConditionalOnWorkerRole;
import io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** The OpenRTC meters, when Micrometer and Spring Boot's metrics module are present. */
@AutoConfiguration(after = OpenRtcAutoConfiguration.class, afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusMetricsExportAutoConfiguration"})
@ConditionalOnClass(value = MeterRegistry.class,
        name = "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration")
@ConditionalOnBean({MeterRegistry.class, AgentPool.class})
@ConditionalOnWorkerRole
public class OpenRtcMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    OpenRtcMetrics openRtcMetrics(AgentPool agentPool) {
        return new OpenRtcMetrics(agentPool);
    }

    @Bean
    @ConditionalOnMissingBean
    OpenRtcVoiceMetrics openRtcVoiceMetrics(AgentPool agentPool) {
        return new OpenRtcVoiceMetrics(agentPool);
    }
}
