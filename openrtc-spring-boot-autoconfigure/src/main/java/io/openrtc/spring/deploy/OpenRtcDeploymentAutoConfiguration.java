package io.openrtc.spring.deploy;

import io.micrometer.core.instrument.MeterRegistry;
import io.openrtc.spring.autoconfigure.ConditionalOnWorkerRole;
import io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.micrometer.metrics.autoconfigure.MeterRegistryCustomizer;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The deployment's version on every meter, and its audit events (in the worker role; a child JVM
 * of process isolation neither drains nor registers).
 */
@AutoConfiguration(before = OpenRtcAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "openrtc.enabled", matchIfMissing = true)
@EnableConfigurationProperties(DeploymentProperties.class)
public class OpenRtcDeploymentAutoConfiguration {

    /** The tag every meter gets when {@code openrtc.deployment.version} is set. */
    public static final String VERSION_TAG = "deployment.version";

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnWorkerRole
    AuditSink openRtcAuditSink() {
        return new LogAuditSink();
    }

    @Bean
    @ConditionalOnWorkerRole
    DeploymentAudit openRtcDeploymentAudit(DeploymentProperties deployment, AuditSink sink,
                                           ApplicationEventPublisher publisher) {
        return new DeploymentAudit(deployment.version(), sink, publisher);
    }

    /** Boot applies it to each registry before any meter is bound. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(value = MeterRegistry.class,
            name = "org.springframework.boot.micrometer.metrics.autoconfigure.MeterRegistryCustomizer")
    static class VersionTag {

        @Bean
        MeterRegistryCustomizer<MeterRegistry> openRtcDeploymentVersionTag(DeploymentProperties deployment) {
            return registry -> {
                if (deployment.hasVersion()) {
                    registry.config().commonTags(VERSION_TAG, deployment.version());
                }
            };
        }
    }
}
