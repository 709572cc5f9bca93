package io.openrtc.spring.deploy;

import static io.openrtc.spring.actuate.ActuatorHttp.get;
import static io.openrtc.spring.actuate.ActuatorHttp.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import io.openrtc.runtime.AgentPool;
import io.openrtc.spring.actuate.LiveKitBootApps;
import io.openrtc.spring.actuate.HolderAgent;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.context.annotation.Import;

/**
 * A deployment's life as the audit log and the operator see it, with a Boot application (Tomcat,
 * Actuator, Prometheus) whose worker registers with a real livekit-server as
 * {@code openrtc.deployment.version=green-7}: the version goes to LiveKit, onto every meter and into
 * the snapshot; a drain at shutdown whose session ends in time emits started, drain_started,
 * completed, in order with consecutive sequence numbers, to the sink and as Spring events alike; a
 * drain whose session outlives the timeout ends rolled_back; a key pair LiveKit refuses is
 * worker.rejected.
 */
@LiveKitServerTest
class DeploymentAuditLiveKitTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VERSION = "green-7";

    private final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
    private final List<AuditEvent> sunk = new CopyOnWriteArrayList<>();
    private final List<AuditEvent> published = new CopyOnWriteArrayList<>();
    private final LiveKitBootApps apps = new LiveKitBootApps();

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(HolderAgent.class)
    static class HolderApp {
    }

    @BeforeEach
    void holdSessions() {
        HolderAgent.release = new CountDownLatch(1);
    }

    @AfterEach
    void closeApps() {
        HolderAgent.release.countDown();
        apps.close();
    }

    @Test
    void aShutdownDrainWhoseSessionEndsInTimeIsStartedDrainStartedCompleted(LiveKitServer server) throws Exception {
        String base = start(server, "deploy-green", "openrtc.drain-timeout=30s",
                "management.endpoints.web.exposure.include=health,prometheus,openrtc");
        ConfigurableApplicationContext app = apps.first();
        AgentPool pool = app.getBean(AgentPool.class);
        assertThat(pool.workerOptions().version()).as("the version LiveKit is told at registration").isEqualTo(VERSION);
        await().atMost(Duration.ofSeconds(20)).until(() -> types(sunk).contains(AuditType.DEPLOYMENT_STARTED));
        String workerId = pool.snapshot().worker().workerId();
        assertThat(workerId).startsWith("AW_");

        JsonNode status = JSON.readTree(get(base + "/actuator/openrtc").body());
        assertThat(status.path("deploymentVersion").asText()).isEqualTo(VERSION);
        String scrape = get(base + "/actuator/prometheus").body();
        assertThat(scrape).contains("openrtc_worker_connected{deployment_version=\"" + VERSION + "\"} 1.0")
                .contains("openrtc_sessions_max{deployment_version=\"" + VERSION + "\"} 4.0")
                .as("a meter that is not OpenRTC's").contains("jvm_threads_live_threads{deployment_version=\"" + VERSION + "\"}");

        Dispatches.dispatchUntilAccepted(server, "deploy-green", "", this::running);
        // The shutdown drain (what SIGTERM runs) waits for the session; it ends on its own meanwhile.
        Thread releaser = Thread.ofVirtual().start(() -> {
            await().atMost(Duration.ofSeconds(20)).until(pool::isDraining);
            HolderAgent.release.countDown();
        });
        app.close();
        releaser.join(Duration.ofSeconds(30));

        assertThat(types(sunk)).containsExactly(AuditType.DEPLOYMENT_STARTED, AuditType.DRAIN_STARTED, AuditType.COMPLETED);
        assertThat(sunk).extracting(AuditEvent::sequence).containsExactly(1L, 2L, 3L);
        assertThat(sunk).allSatisfy(e -> {
            assertThat(e.deploymentVersion()).isEqualTo(VERSION);
            assertThat(e.workerId()).isEqualTo(workerId);
        });
        assertThat(sunk.get(1).details()).containsEntry("reason", "application shutdown").containsEntry("timeoutSeconds", 30L);
        assertThat(sunk.get(2).details()).containsEntry("completedSessions", 1).containsEntry("cancelledSessions", 0);
        assertThat(sunk.get(0).at()).isBeforeOrEqualTo(sunk.get(1).at());
        assertThat(sunk.get(1).at()).isBeforeOrEqualTo(sunk.get(2).at());
        assertThat(published).as("the same events as Spring application events").containsExactlyElementsOf(sunk);
    }

    @Test
    void aDrainThatTimesOutAndCancelsItsSessionIsRolledBack(LiveKitServer server) throws Exception {
        String base = start(server, "deploy-blue", "openrtc.drain-timeout=1s", "openrtc.cancel-grace=5s",
                "management.endpoints.web.exposure.include=openrtc", "management.endpoint.openrtc.access=unrestricted");
        Dispatches.dispatchUntilAccepted(server, "deploy-blue", "", this::running);

        // The operator's drain of the old deployment; the session never ends by itself.
        assertThat(post(base + "/actuator/openrtc/drain").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> types(sunk).contains(AuditType.ROLLED_BACK));

        assertThat(types(sunk)).containsExactly(AuditType.DEPLOYMENT_STARTED, AuditType.DRAIN_STARTED, AuditType.ROLLED_BACK);
        assertThat(sunk).extracting(AuditEvent::sequence).containsExactly(1L, 2L, 3L);
        assertThat(sunk.get(1).details().get("reason").toString()).contains("endpoint");
        assertThat(sunk.get(2).details()).containsEntry("completedSessions", 0).containsEntry("cancelledSessions", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> published.size() == 3);
        assertThat(published).containsExactlyElementsOf(sunk);
    }

    @Test
    void aKeyPairLiveKitRefusesIsWorkerRejected(LiveKitServer server) {
        assertThatThrownBy(() -> start(server, "deploy-rejected", "openrtc.livekit.api-secret=not-the-secret-of-this-key-0123456789"))
                .hasStackTraceContaining("HTTP 401");
        await().atMost(Duration.ofSeconds(5)).until(() -> !sunk.isEmpty());
        assertThat(types(sunk)).containsExactly(AuditType.WORKER_REJECTED);
        assertThat(sunk.getFirst().sequence()).isEqualTo(1L);
        assertThat(sunk.getFirst().deploymentVersion()).isEqualTo(VERSION);
        assertThat(sunk.getFirst().details().get("reason").toString()).contains("HTTP 401").contains(server.apiKey())
                .doesNotContain("not-the-secret");
    }

    private String start(LiveKitServer server, String agentName, String... extra) {
        List<String> properties = new ArrayList<>(List.of("openrtc.deployment.version=" + VERSION));
        properties.addAll(List.of(extra));
        return apps.start(HolderApp.class, server, agentName, properties, c -> {
            c.getBeanFactory().registerSingleton("testEvents", (OpenRtcListener) events::add);
            c.getBeanFactory().registerSingleton("testAuditSink", (AuditSink) sunk::add);
            c.addApplicationListener(event -> {
                if (event instanceof PayloadApplicationEvent<?> payload && payload.getPayload() instanceof AuditEvent audit) {
                    published.add(audit);
                }
            });
        });
    }

    private boolean running(String room) {
        return events.stream().anyMatch(e -> e instanceof OpenRtcEvent.SessionRunning s && s.session().roomName().equals(room));
    }

    private static List<AuditType> types(List<AuditEvent> audit) {
        return audit.stream().map(AuditEvent::type).toList();
    }


}
