package io.openrtc.spring.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.observe.ConnectionState;
import io.openrtc.runtime.AgentPool;
import io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration;
import io.openrtc.spring.autoconfigure.OpenRtcWorkerLifecycle;
import io.openrtc.observe.OpenRtcListener;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Which operations beans exist with and without Actuator, health and Micrometer, and how the
 * health, the endpoint and the availability states follow a real worker whose LiveKit server
 * refuses connections (nothing listens at 127.0.0.1:1).
 */
@ExtendWith(OutputCaptureExtension.class)
class OpenRtcActuateAutoConfigurationTest {

    private static final AutoConfigurations OPENRTC = AutoConfigurations.of(OpenRtcAutoConfiguration.class,
            OpenRtcShutdownAutoConfiguration.class, OpenRtcHealthAutoConfiguration.class,
            OpenRtcEndpointAutoConfiguration.class, OpenRtcMetricsAutoConfiguration.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(OPENRTC)
            .withConfiguration(AutoConfigurations.of(ApplicationAvailabilityAutoConfiguration.class,
                    EndpointAutoConfiguration.class, HealthContributorAutoConfiguration.class,
                    HealthContributorRegistryAutoConfiguration.class, HealthEndpointAutoConfiguration.class,
                    MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class))
            .withUserConfiguration(RestaurantAgent.class)
            .withPropertyValues("openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=key",
                    "openrtc.livekit.api-secret=secret-that-is-long-enough-for-livekit");

    @AgentConfig(name = "restaurant")
    static class RestaurantAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @Test
    void withActuatorTheHealthContributorMetricsAndAvailabilityAreThere() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(OpenRtcHealthIndicator.class)
                    .hasSingleBean(OpenRtcMetrics.class).hasSingleBean(OpenRtcAvailability.class)
                    .hasSingleBean(ShutdownTimeoutCheck.class).hasSingleBean(SigtermExit.class);
            assertThat(context.getBean(HealthContributorRegistry.class).getContributor("openrtc"))
                    .isInstanceOf(OpenRtcHealthIndicator.class);
            assertThat(context.getBean(MeterRegistry.class).find("openrtc.sessions.active").tag("agent", "restaurant").gauge())
                    .isNotNull();
        });
    }

    @Test
    void theEndpointExistsOnlyWhenExposed() {
        runner.run(context -> assertThat(context).doesNotHaveBean(OpenRtcEndpoint.class));
        runner.withPropertyValues("management.endpoints.web.exposure.include=health,openrtc")
                .run(context -> assertThat(context).hasSingleBean(OpenRtcEndpoint.class));
        runner.withPropertyValues("management.endpoints.web.exposure.include=openrtc", "management.endpoint.openrtc.access=NONE")
                .run(context -> assertThat(context).doesNotHaveBean(OpenRtcEndpoint.class));
    }

    @Test
    void withoutActuatorHealthOrMicrometerTheWorkerStillRuns() {
        new ApplicationContextRunner()
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate", "org.springframework.boot.health",
                        "org.springframework.boot.micrometer", "io.micrometer"))
                .withConfiguration(OPENRTC)
                .withConfiguration(AutoConfigurations.of(ApplicationAvailabilityAutoConfiguration.class))
                .withUserConfiguration(RestaurantAgent.class)
                .withPropertyValues("openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=key",
                        "openrtc.livekit.api-secret=secret-that-is-long-enough-for-livekit",
                        "management.endpoints.web.exposure.include=*")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(AgentPool.class).hasSingleBean(OpenRtcWorkerLifecycle.class)
                            .hasSingleBean(OpenRtcAvailability.class)
                            .doesNotHaveBean(OpenRtcHealthIndicator.class).doesNotHaveBean(OpenRtcEndpoint.class)
                            .doesNotHaveBean(OpenRtcMetrics.class);
                    assertThat(context.getBean(OpenRtcWorkerLifecycle.class).isRunning()).isTrue();
                });
    }

    @Test
    void aSessionHostChildHasNoOperationsBeans() {
        runner.withPropertyValues("openrtc.role=session-host", "management.endpoints.web.exposure.include=openrtc")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(AgentPool.class)
                        .doesNotHaveBean(OpenRtcHealthIndicator.class).doesNotHaveBean(OpenRtcEndpoint.class)
                        .doesNotHaveBean(OpenRtcMetrics.class).doesNotHaveBean(OpenRtcAvailability.class)
                        .doesNotHaveBean(SigtermExit.class));
    }

    @Test
    void eachPartCanBeSwitchedOff() {
        runner.withPropertyValues("management.health.openrtc.enabled=false", "openrtc.shutdown.exit-zero-on-sigterm=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(OpenRtcHealthIndicator.class)
                        .doesNotHaveBean(SigtermExit.class).hasSingleBean(OpenRtcMetrics.class));
        runner.withPropertyValues("openrtc.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(AgentPool.class)
                        .doesNotHaveBean(OpenRtcHealthIndicator.class).doesNotHaveBean(OpenRtcMetrics.class)
                        .doesNotHaveBean(OpenRtcAvailability.class));
    }

    @Test
    void aRefusedConnectionIsDownAndADrainIsOutOfServiceAndRefusesTraffic() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=openrtc", "openrtc.drain-timeout=5s")
                .run(context -> {
                    AgentPool pool = context.getBean(AgentPool.class);
                    OpenRtcHealthIndicator indicator = context.getBean(OpenRtcHealthIndicator.class);
                    await().atMost(Duration.ofSeconds(20)).until(() -> pool.snapshot().worker().failedAttempts() >= 1);
                    Health down = indicator.health();
                    assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(down.getDetails()).containsKeys("lastError", "reconnectAttempts", "since")
                            .containsEntry("agents", java.util.List.of("restaurant"));
                    assertThat((String) down.getDetails().get("lastError")).isNotBlank();
                    assertThat(down.getDetails().get("connection")).isIn(ConnectionState.DISCONNECTED.name(),
                            ConnectionState.CONNECTING.name());

                    ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
                    OpenRtcEndpoint endpoint = context.getBean(OpenRtcEndpoint.class);
                    assertThat(endpoint.status().connection()).isNotEqualTo("REGISTERED");
                    assertThatExceptionOfType(InvalidEndpointRequestException.class).isThrownBy(() -> endpoint.act("restart"))
                            .withMessageContaining("Unknown action 'restart'");

                    OpenRtcEndpoint.DrainResponse first = endpoint.act(OpenRtcEndpoint.DRAIN);
                    assertThat(first.draining()).isTrue();
                    assertThat(first.alreadyDraining()).isFalse();
                    assertThat(first.drainTimeoutSeconds()).isEqualTo(5);
                    OpenRtcEndpoint.DrainResponse second = endpoint.act(OpenRtcEndpoint.DRAIN);
                    assertThat(second.alreadyDraining()).isTrue();

                    // The worker and the pool begin the drain on their own threads, a moment later.
                    await().atMost(Duration.ofSeconds(10)).until(() -> indicator.health().getStatus().equals(Status.OUT_OF_SERVICE));
                    assertThat(endpoint.status().draining()).isTrue();
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> availability.getReadinessState() == ReadinessState.REFUSING_TRAFFIC);
                });
    }

    /** Defect 10 of issue 17: the runtime's own state does not wait for the application's listeners. */
    @Test
    void aBlockingApplicationListenerDelaysNeitherReadinessNorTheMeters() {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger heldUp = new AtomicInteger();
        OpenRtcListener blocking = event -> {
            heldUp.incrementAndGet();
            try {
                release.await(); // a listener that never returns until the test ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        runner.withBean("blockingListener", OpenRtcListener.class, () -> blocking)
                .withPropertyValues("openrtc.drain-timeout=5s")
                .run(context -> {
                    try {
                        AgentPool pool = context.getBean(AgentPool.class);
                        MeterRegistry registry = context.getBean(MeterRegistry.class);
                        // The refused connection is counted while the application listener is stuck on its first event.
                        await().atMost(Duration.ofSeconds(20)).until(() -> heldUp.get() == 1
                                && registry.get("openrtc.worker.reconnects").counter().count() >= 1);

                        pool.drain("test", Duration.ofSeconds(5));
                        ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
                        await().atMost(Duration.ofSeconds(10))
                                .until(() -> availability.getReadinessState() == ReadinessState.REFUSING_TRAFFIC);
                        assertThat(heldUp).hasValue(1);
                        assertThat(registry.get("openrtc.events.dropped").tag("listeners", "application").functionCounter()
                                .count()).isZero();
                        assertThat(registry.get("openrtc.events.dropped").tag("listeners", "runtime").functionCounter()
                                .count()).isZero();
                    } finally {
                        release.countDown();
                    }
                });
    }

    @Test
    void warnsWhenTheShutdownPhaseIsShorterThanTheDrain(CapturedOutput output) {
        runner.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=10s", "openrtc.drain-timeout=30s")
                .run(context -> {
                    assertThat(context.getBean(ShutdownTimeoutCheck.class).cutsTheDrain()).isTrue();
                    assertThat(output).contains("spring.lifecycle.timeout-per-shutdown-phase (10 s) is shorter than "
                            + "openrtc.drain-timeout (30 s)");
                });
    }

    @Test
    void saysWhenTheShutdownPhaseCoversTheDrainButNotTheCancelGrace(CapturedOutput output) {
        runner.withPropertyValues("openrtc.drain-timeout=30s", "openrtc.cancel-grace=5s").run(context -> {
            ShutdownTimeoutCheck check = context.getBean(ShutdownTimeoutCheck.class);
            assertThat(check.phaseTimeout()).isEqualTo(ShutdownTimeoutCheck.DEFAULT_PHASE_TIMEOUT);
            assertThat(check.cutsTheDrain()).isFalse();
            assertThat(check.cutsTheCancelGrace()).isTrue();
            assertThat(output).contains("spring.lifecycle.timeout-per-shutdown-phase (30 s) covers openrtc.drain-timeout "
                    + "(30 s) but not openrtc.cancel-grace (5 s) after it");
        });
    }

    @Test
    void staysQuietWhenTheShutdownPhaseCoversTheDrain(CapturedOutput output) {
        runner.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=40s", "openrtc.drain-timeout=30s")
                .run(context -> {
                    assertThat(context.getBean(ShutdownTimeoutCheck.class).cutsTheDrain()).isFalse();
                    assertThat(context.getBean(ShutdownTimeoutCheck.class).cutsTheCancelGrace()).isFalse();
                });
        assertThat(output).doesNotContain("is shorter than openrtc.drain-timeout").doesNotContain("but not openrtc.cancel-grace");
    }
}
