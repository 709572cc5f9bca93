package io.openrtc.spring.actuate;

import io.openrtc.cost.CostMonitor;
import io.openrtc.runtime.AgentPool;
import io.openrtc.spring.autoconfigure.ConditionalOnWorkerRole;
import io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration;
import io.openrtc.spring.autoconfigure.OpenRtcProperties;
import io.openrtc.spring.deploy.DeploymentProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code openrtc} Actuator endpoint, when Actuator is present and the endpoint is exposed
 * ({@code management.endpoints.web.exposure.include}) and accessible.
 */
@AutoConfiguration(after = OpenRtcAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(AgentPool.class)
@ConditionalOnWorkerRole
public class OpenRtcEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    OpenRtcEndpoint openRtcEndpoint(AgentPool agentPool, OpenRtcProperties properties,
                                    ObjectProvider<DeploymentProperties> deployment, ObjectProvider<CostMonitor> cost) {
        DeploymentProperties version = deployment.getIfAvailable();
        return new OpenRtcEndpoint(agentPool, properties.drainTimeout(), version == null ? "" : version.version(),
                cost.getIfAvailable());
    }
}
