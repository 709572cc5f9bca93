package io.openrtc.spring.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openrtc.observe.OpenRtcEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.autoconfigure.AutoConfigurations;

/**
 * What {@link DeploymentAudit} makes of the runtime's events, and the default sink's log line.
 * The order of a real deployment against a real server is {@link DeploymentAuditLiveKitTest}'s.
 */
@ExtendWith(OutputCaptureExtension.class)
class DeploymentAuditTest {

    private static final Instant T0 = Instant.parse("2026-12-03T12:00:00Z");

    @Test
    void aReRegistrationIsTheSameDeploymentAndOtherEventsSayNothing() {
        List<AuditEvent> sunk = new CopyOnWriteArrayList<>();
        List<Object> published = new CopyOnWriteArrayList<>();
        DeploymentAudit audit = new DeploymentAudit("blue-3", sunk::add, published::add);

        audit.onEvent(new OpenRtcEvent.WorkerRegistered(T0, "AW_one"));
        audit.onEvent(new OpenRtcEvent.WorkerDisconnected(T0.plusSeconds(1), "connection reset", 1, Duration.ofSeconds(1)));
        audit.onEvent(new OpenRtcEvent.WorkerRegistered(T0.plusSeconds(2), "AW_two"));
        audit.onEvent(new OpenRtcEvent.DrainStarted(T0.plusSeconds(3), "application shutdown", Duration.ofSeconds(30)));
        audit.onEvent(new OpenRtcEvent.DrainFinished(T0.plusSeconds(4), 2, 0));

        assertThat(sunk).extracting(AuditEvent::type)
                .containsExactly(AuditType.DEPLOYMENT_STARTED, AuditType.DRAIN_STARTED, AuditType.COMPLETED);
        assertThat(sunk).extracting(AuditEvent::sequence).containsExactly(1L, 2L, 3L);
        assertThat(sunk.get(0).workerId()).isEqualTo("AW_one");
        assertThat(sunk.get(1).workerId()).as("the latest registration's").isEqualTo("AW_two");
        assertThat(published).containsExactlyElementsOf(sunk);
    }

    @Test
    void aFailingSinkLosesNoSpringEventAndNoSequenceNumber() {
        List<Object> published = new CopyOnWriteArrayList<>();
        DeploymentAudit audit = new DeploymentAudit("", event -> {
            throw new IllegalStateException("audit store down");
        }, published::add);

        audit.onEvent(new OpenRtcEvent.WorkerRejected(T0, "HTTP 401"));
        audit.onEvent(new OpenRtcEvent.DrainFinished(T0, 0, 3));

        assertThat(published).extracting(e -> ((AuditEvent) e).type()).containsExactly(AuditType.WORKER_REJECTED, AuditType.ROLLED_BACK);
        assertThat(published).extracting(e -> ((AuditEvent) e).sequence()).containsExactly(1L, 2L);
    }

    @Test
    void theDefaultSinkWritesOneJsonLineOnTheAuditLogger(CapturedOutput output) throws Exception {
        new LogAuditSink().record(new AuditEvent(7, AuditType.ROLLED_BACK, T0, "blue-3", "AW_x",
                java.util.Map.of("cancelledSessions", 2)));

        String line = output.getOut().lines().filter(l -> l.contains("deployment.rolled_back")).findFirst().orElseThrow();
        assertThat(line).contains(LogAuditSink.LOGGER).contains("WARN");
        JsonNode json = new ObjectMapper().readTree(line.substring(line.indexOf('{')));
        assertThat(json.path("event").asText()).isEqualTo("deployment.rolled_back");
        assertThat(json.path("sequence").asLong()).isEqualTo(7);
        assertThat(json.path("at").asText()).isEqualTo("2026-12-03T12:00:00Z");
        assertThat(json.path("deploymentVersion").asText()).isEqualTo("blue-3");
        assertThat(json.path("workerId").asText()).isEqualTo("AW_x");
        assertThat(json.path("cancelledSessions").asInt()).isEqualTo(2);
    }

    @Test
    void aVersionThatCannotBeATagStopsTheApplicationNamingTheProperty() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(OpenRtcDeploymentAutoConfiguration.class))
                .withPropertyValues("openrtc.deployment.version=" + "v".repeat(129))
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining(
                        "openrtc.deployment.version must be at most 128 characters"));
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(OpenRtcDeploymentAutoConfiguration.class))
                .withPropertyValues("openrtc.deployment.version= green-7 ")
                .run(context -> assertThat(context.getBean(DeploymentProperties.class).version()).isEqualTo("green-7"));
        assertThatThrownBy(() -> new DeploymentProperties("a\nb")).hasMessageContaining("control characters");
    }
}
