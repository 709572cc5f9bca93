package io.openrtc.spring.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.cost.CostMonitor;
import io.openrtc.spring.actuate.OpenRtcEndpoint;
import io.openrtc.spring.actuate.OpenRtcEndpointAutoConfiguration;
import io.openrtc.spring.actuate.OpenRtcStatus;
import io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The cost monitor's wiring: off by default; on, a running monitor, its meters per agent and
 * folded tenant, and its part of the {@code openrtc} endpoint's snapshot; bad settings stop the
 * application naming the property. (What the monitor measures: {@code CostAttributionTest}.) The
 * worker's LiveKit server refuses connections (nothing listens at 127.0.0.1:1).
 */
class OpenRtcCostAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(OpenRtcAutoConfiguration.class, OpenRtcCostAutoConfiguration.class,
                    OpenRtcEndpointAutoConfiguration.class, EndpointAutoConfiguration.class, MetricsAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
            .withUserConfiguration(RestaurantAgent.class)
            .withPropertyValues("openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=key",
                    "openrtc.livekit.api-secret=secret-that-is-long-enough-for-livekit",
                    "management.endpoints.web.exposure.include=openrtc", "openrtc.tenants.acme.max-concurrent-sessions=2");

    @AgentConfig(name = "restaurant")
    static class RestaurantAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @Test
    void offByDefault() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(CostMonitor.class).doesNotHaveBean(OpenRtcCostMetrics.class);
            assertThat(context.getBean(MeterRegistry.class).find("openrtc.cost.cpu").meters()).isEmpty();
            OpenRtcStatus status = context.getBean(OpenRtcEndpoint.class).status();
            assertThat(status).isNotNull();
            assertThat(status.cost()).isNull();
        });
    }

    @Test
    void onTheMonitorRunsWithItsMetersAndItsPartOfTheSnapshot() {
        runner.withPropertyValues("openrtc.cost.enabled=true", "openrtc.cost.sampling-period=15ms",
                "openrtc.cost.window=5s").run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(CostMonitor.class);
            CostMonitor monitor = context.getBean(CostMonitor.class);
            assertThat(monitor.options().samplingPeriod()).isEqualTo(Duration.ofMillis(15));
            await().atMost(Duration.ofSeconds(20)).until(() -> monitor.flushes() >= 1);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry.find("openrtc.cost.cpu").tag("agent", "restaurant").meters())
                    .extracting(m -> m.getId().getTag("tenant")).containsExactlyInAnyOrder("default", "acme", "other");
            assertThat(registry.find("openrtc.cost.allocated").tags("agent", "restaurant", "tenant", "acme").functionCounter())
                    .isNotNull();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                    registry.get("openrtc.cost.monitor.cpu").functionCounter().count()).isPositive());
            OpenRtcStatus status = context.getBean(OpenRtcEndpoint.class).status();
            assertThat(status).isNotNull();
            assertThat(status.cost()).isNotNull();
            assertThat(status.cost().samplingPeriodMillis()).isEqualTo(15);
            assertThat(status.cost().windowSeconds()).isEqualTo(5);
            assertThat(status.cost().sessions()).as("no session runs").isEmpty();
        });
    }

    @Test
    void aBadSettingStopsTheApplicationNamingTheProperty() {
        runner.withPropertyValues("openrtc.cost.enabled=true", "openrtc.cost.sampling-period=1ms").run(context ->
                assertThat(context).getFailure().hasStackTraceContaining("openrtc.cost.sampling-period must be 10ms to 1s, was 1ms"));
        runner.withPropertyValues("openrtc.cost.enabled=true", "openrtc.cost.allocation-samples-per-second=0").run(context ->
                assertThat(context).getFailure().hasStackTraceContaining("openrtc.cost.allocation-samples-per-second must be 1 to 10000"));
    }
}
