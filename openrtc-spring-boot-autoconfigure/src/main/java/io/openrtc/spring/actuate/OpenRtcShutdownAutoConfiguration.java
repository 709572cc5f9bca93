package io.openrtc.spring.actuate;

import io.openrtc.runtime.AgentPool;
import io.openrtc.spring.autoconfigure.ConditionalOnWorkerRole;
import io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration;
import io.openrtc.spring.autoconfigure.OpenRtcProperties;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Graceful shutdown of the worker, with or without Actuator: availability states that follow
 * drains and a broken worker, the warning when Spring would cut the drain short, and exit
 * status 0 on SIGTERM.
 */
@AutoConfiguration(after = OpenRtcAutoConfiguration.class,
        afterName = "org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration")
@ConditionalOnBean(AgentPool.class)
@ConditionalOnWorkerRole
public class OpenRtcShutdownAutoConfiguration {

    /** Readiness follows drains, liveness a broken worker. */
    @Bean
    @ConditionalOnMissingBean
    OpenRtcAvailability openRtcAvailability(AgentPool agentPool, ApplicationEventPublisher publisher) {
        return new OpenRtcAvailability(agentPool, publisher);
    }

    /** Warns when spring.lifecycle.timeout-per-shutdown-phase is shorter than openrtc.drain-timeout. */
    @Bean
    ShutdownTimeoutCheck openRtcShutdownTimeoutCheck(Environment environment, OpenRtcProperties properties) {
        return new ShutdownTimeoutCheck(environment, properties.drainTimeout(), properties.cancelGrace());
    }

    /** SIGTERM exits with the application's exit code (0 unless broken) after the graceful shutdown. */
    @Bean
    @ConditionalOnBooleanProperty(name = "openrtc.shutdown.exit-zero-on-sigterm", matchIfMissing = true)
    SigtermExit openRtcSigtermExit(ConfigurableApplicationContext context, AgentPool agentPool) {
        return new SigtermExit(context, agentPool::brokenReason);
    }
}
