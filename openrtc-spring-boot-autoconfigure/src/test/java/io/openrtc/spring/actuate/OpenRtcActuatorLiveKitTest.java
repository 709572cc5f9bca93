package io.openrtc.spring.actuate;

import static io.openrtc.spring.actuate.ActuatorHttp.get;
import static io.openrtc.spring.actuate.ActuatorHttp.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import io.openrtc.runtime.AgentPool;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.context.event.EventListener;

/**
 * The operations surface over HTTP, as an operator sees it, of a Boot application (Tomcat,
 * Actuator, the Prometheus registry) whose worker takes real jobs from a real livekit-server:
 * what is exposed by default, the {@code openrtc} endpoint's snapshot and drain, health and the
 * Kubernetes probes through a drain, an agent out of service and a broken worker (which closes
 * the application), and the meters in the Prometheus scrape.
 */
@LiveKitServerTest
class OpenRtcActuatorLiveKitTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
    private final LiveKitBootApps apps = new LiveKitBootApps();

    /** Fails every session. */
    @AgentConfig(name = "faulty")
    static class FaultyAgent implements Agent {
        @Override
        public void run(AgentSession session) {
            throw new IllegalStateException("this agent always fails");
        }
    }

    /** Observes the worker the Spring way. */
    static class SpringEventRecorder {
        static final List<OpenRtcEvent.SessionRunning> running = new CopyOnWriteArrayList<>();

        @EventListener
        void on(OpenRtcEvent.SessionRunning event) {
            running.add(event);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({HolderAgent.class, SpringEventRecorder.class})
    static class HolderApp {
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(FaultyAgent.class)
    static class FaultyApp {
    }

    @AfterEach
    void closeApps() {
        HolderAgent.release.countDown();
        apps.close();
    }

    @Test
    void byDefaultOnlyHealthIsServedAndTheDrainIsNotReachable(LiveKitServer server) throws Exception {
        String base = start(HolderApp.class, server, "ops-default");
        AgentPool pool = apps.first().getBean(AgentPool.class);
        await().atMost(Duration.ofSeconds(20)).until(() -> get(base + "/actuator/health").statusCode() == 200);

        assertThat(post(base + "/actuator/openrtc/drain").statusCode()).isEqualTo(404);
        assertThat(get(base + "/actuator/openrtc").statusCode()).isEqualTo(404);
        assertThat(get(base + "/actuator/prometheus").statusCode()).isEqualTo(404);
        assertThat(pool.snapshot().draining()).isFalse();
        assertThat(apps.first().getBeansOfType(OpenRtcEndpoint.class)).isEmpty();
    }

    @Test
    void theSnapshotTheMetersAndTheProbesFollowASessionAndADrain(LiveKitServer server) throws Exception {
        HolderAgent.release = new CountDownLatch(1);
        String base = start(HolderApp.class, server, "ops-holder",
                "management.endpoints.web.exposure.include=health,prometheus,openrtc",
                "management.endpoint.openrtc.access=unrestricted");
        JsonNode health = awaitJson(base + "/actuator/health/openrtc", 200);
        assertThat(health.path("status").asText()).isEqualTo("UP");
        assertThat(health.path("details").path("workerId").asText()).startsWith("AW_");
        assertThat(health.path("details").path("maxConcurrentSessions").asInt()).isEqualTo(4);

        String room = Dispatches.dispatchUntilAccepted(server, "ops-holder", "", r -> running(r));
        String jobId = sessionRunning(room).session().jobId();
        await().atMost(Duration.ofSeconds(10)).until(() -> SpringEventRecorder.running.stream()
                .anyMatch(e -> e.session().jobId().equals(jobId)));

        JsonNode status = json(get(base + "/actuator/openrtc"), 200);
        assertThat(status.path("workerId").asText()).startsWith("AW_");
        assertThat(status.path("connection").asText()).isEqualTo("REGISTERED");
        assertThat(status.path("isolation").asText()).isEqualTo("coroutine");
        assertThat(status.path("maxConcurrentSessions").asInt()).isEqualTo(4);
        assertThat(status.path("activeSessions").asInt()).isEqualTo(1);
        assertThat(status.path("load").asDouble()).isEqualTo(0.25);
        assertThat(status.path("draining").asBoolean()).isFalse();
        assertThat(status.path("agents").get(0).path("name").asText()).isEqualTo("holder");
        assertThat(status.path("agents").get(0).path("activeSessions").asInt()).isEqualTo(1);
        JsonNode session = status.path("sessions").get(0);
        assertThat(session.path("agent").asText()).isEqualTo("holder");
        assertThat(session.path("room").asText()).isEqualTo(room);
        assertThat(session.path("jobId").asText()).isEqualTo(jobId);
        assertThat(session.path("startedAt").asText()).isNotBlank();
        assertThat(session.path("durationSeconds").asDouble()).isGreaterThanOrEqualTo(0.0);

        String scrape = body(get(base + "/actuator/prometheus"), 200);
        assertThat(scrape).contains("openrtc_sessions_active{agent=\"holder\",tenant=\"default\"} 1.0")
                .contains("openrtc_sessions_started_total{agent=\"holder\",tenant=\"default\"} 1.0")
                .contains("openrtc_jobs_accepted_total{agent=\"holder\"} 1.0")
                .contains("openrtc_jobs_declined_total{reason=\"at_capacity\"} 0.0")
                .contains("openrtc_worker_connected 1.0")
                .contains("openrtc_worker_load 0.25")
                .contains("openrtc_worker_draining 0.0")
                .contains("openrtc_sessions_max 4.0")
                .contains("openrtc_worker_reconnects_total 0.0")
                .contains("openrtc_dispatch_latency_seconds_count{agent=\"holder\"} 1")
                .contains("openrtc_dispatch_latency_seconds_bucket{agent=\"holder\",le=\"1.0\"}")
                .contains("openrtc_dispatch_latency_seconds_bucket{agent=\"holder\",le=\"+Inf\"} 1")
                .containsPattern("openrtc_jobs_offered_total [1-9]");

        JsonNode drain = json(post(base + "/actuator/openrtc/drain"), 200);
        assertThat(drain.path("draining").asBoolean()).isTrue();
        assertThat(drain.path("alreadyDraining").asBoolean()).isFalse();
        assertThat(drain.path("activeSessions").asInt()).isEqualTo(1);
        assertThat(json(post(base + "/actuator/openrtc/drain"), 200).path("alreadyDraining").asBoolean()).isTrue();
        assertThat(post(base + "/actuator/openrtc/restart").statusCode()).isEqualTo(400);

        // While the session still runs: refusing traffic, out of service, still scraped, still alive.
        JsonNode readiness = awaitJson(base + "/actuator/health/readiness", 503);
        assertThat(readiness.path("status").asText()).isEqualTo("OUT_OF_SERVICE");
        assertThat(json(get(base + "/actuator/health/openrtc"), 503).path("status").asText()).isEqualTo("OUT_OF_SERVICE");
        assertThat(json(get(base + "/actuator/health/liveness"), 200).path("status").asText()).isEqualTo("UP");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(body(get(base + "/actuator/prometheus"), 200))
                .contains("openrtc_worker_draining 1.0").contains("openrtc_sessions_active{agent=\"holder\",tenant=\"default\"} 1.0"));
        assertThat(json(get(base + "/actuator/openrtc"), 200).path("draining").asBoolean()).isTrue();

        HolderAgent.release.countDown();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(body(get(base + "/actuator/prometheus"), 200))
                .contains("openrtc_sessions_ended_total{agent=\"holder\",outcome=\"success\",tenant=\"default\"} 1.0")
                .contains("openrtc_sessions_duration_seconds_count{agent=\"holder\",outcome=\"success\",tenant=\"default\"} 1")
                .contains("openrtc_sessions_active{agent=\"holder\",tenant=\"default\"} 0.0"));
        // Drained: the worker left LiveKit and stays out of service until the application restarts.
        await().atMost(Duration.ofSeconds(20)).until(() -> json(get(base + "/actuator/openrtc"), 200)
                .path("connection").asText().equals("STOPPED"));
        assertThat(json(get(base + "/actuator/health/openrtc"), 503).path("status").asText()).isEqualTo("OUT_OF_SERVICE");
    }

    @Test
    void anAgentWhoseCodeKeepsFailingIsUnhealthyWhileTheWorkerStaysUp(LiveKitServer server) throws Exception {
        String base = start(FaultyApp.class, server, "ops-faulty", "openrtc.consecutive-failure-limit=1",
                "management.endpoints.web.exposure.include=health,prometheus");
        awaitJson(base + "/actuator/health/openrtc", 200);
        assertThat(body(get(base + "/actuator/prometheus"), 200)).contains("openrtc_agents_unhealthy{agent=\"faulty\"} 0.0");

        String room = Dispatches.dispatchUntilAccepted(server, "ops-faulty", "", r -> running(r));
        await().atMost(Duration.ofSeconds(30)).until(() -> events.stream()
                .anyMatch(e -> e instanceof OpenRtcEvent.AgentTripped t && t.agentName().equals("faulty")));

        // One agent out of service is no reason to restart the pod: health and liveness stay up.
        JsonNode health = json(get(base + "/actuator/health/openrtc"), 200);
        assertThat(health.path("status").asText()).isEqualTo("UP");
        assertThat(health.path("details").path("unhealthyAgents").path("faulty").asText())
                .contains("openrtc.consecutive-failure-limit").contains("this agent always fails");
        assertThat(json(get(base + "/actuator/health/liveness"), 200).path("status").asText()).isEqualTo("UP");
        assertThat(body(get(base + "/actuator/prometheus"), 200))
                .contains("openrtc_sessions_ended_total{agent=\"faulty\",outcome=\"failed\",tenant=\"default\"} 1.0")
                .contains("openrtc_agents_unhealthy{agent=\"faulty\"} 1.0")
                .contains("openrtc_worker_broken 0.0");
        assertThat(room).isNotEmpty();

        // Its next job is declined at once, for LiveKit to offer elsewhere.
        String declined = Dispatches.untilAccepted("room", r -> server.agentDispatch().createDispatch(r, "ops-faulty", "")
                .execute(), r -> events.stream().anyMatch(e -> e instanceof OpenRtcEvent.JobDeclined d
                && d.job().roomName().equals(r) && d.reason() == io.openrtc.observe.DeclineReason.AGENT_UNHEALTHY));
        assertThat(declined).isNotEmpty();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(body(get(base + "/actuator/prometheus"), 200))
                .contains("openrtc_jobs_declined_total{reason=\"agent_unhealthy\"} 1.0"));
    }

    @Test
    void aBrokenWorkerTurnsLivenessBrokenDrainsAndClosesTheApplication(LiveKitServer server) throws Exception {
        List<Object> availability = new CopyOnWriteArrayList<>();
        // Every session's child JVM fails to start: a failure of the worker itself, not of an agent.
        start(FaultyApp.class, server, "ops-broken", List.of(c -> c.addApplicationListener(event -> {
                    if (event instanceof AvailabilityChangeEvent<?> change) {
                        availability.add(change.getState());
                    }
                })), "openrtc.consecutive-failure-limit=1", "openrtc.isolation=process",
                "openrtc.process.idle-processes=0", "openrtc.process.main-class=io.openrtc.NoSuchMain");
        ConfigurableApplicationContext context = apps.last();
        assertThat(context.isActive()).isTrue();

        Dispatches.dispatchUntilAccepted(server, "ops-broken", "", r -> running(r));

        await().atMost(Duration.ofSeconds(60)).until(() -> !context.isActive());
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(OpenRtcEvent.SupervisorTripped.class));
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(OpenRtcEvent.SessionEnded.class,
                ended -> assertThat(ended.outcome()).isInstanceOf(io.openrtc.agent.SessionOutcome.Failed.class)));
        assertThat(availability).contains(LivenessState.BROKEN, ReadinessState.REFUSING_TRAFFIC);
    }

    private String start(Class<?> app, LiveKitServer server, String agentName, String... extra) {
        return start(app, server, agentName, List.of(), extra);
    }

    private String start(Class<?> app, LiveKitServer server, String agentName,
                         List<ApplicationContextInitializer<ConfigurableApplicationContext>> initializers, String... extra) {
        List<String> properties = new ArrayList<>(List.of(
                "openrtc.drain-timeout=30s",
                "management.endpoint.health.show-details=always",
                "management.endpoint.health.probes.enabled=true",
                "management.endpoint.health.group.readiness.include=readinessState,openrtc"));
        properties.addAll(List.of(extra));
        List<ApplicationContextInitializer<ConfigurableApplicationContext>> all = new ArrayList<>();
        all.add(c -> c.getBeanFactory().registerSingleton("testEvents", (OpenRtcListener) events::add));
        all.addAll(initializers);
        @SuppressWarnings("unchecked")
        ApplicationContextInitializer<ConfigurableApplicationContext>[] array = all.toArray(ApplicationContextInitializer[]::new);
        return apps.start(app, server, agentName, properties, array);
    }

    private boolean running(String room) {
        return events.stream().anyMatch(e -> e instanceof OpenRtcEvent.SessionStarted s && s.session().roomName().equals(room));
    }

    private OpenRtcEvent.SessionRunning sessionRunning(String room) {
        await().atMost(Duration.ofSeconds(30)).until(() -> events.stream()
                .anyMatch(e -> e instanceof OpenRtcEvent.SessionRunning r && r.session().roomName().equals(room)));
        return events.stream().filter(OpenRtcEvent.SessionRunning.class::isInstance).map(OpenRtcEvent.SessionRunning.class::cast)
                .filter(r -> r.session().roomName().equals(room)).findFirst().orElseThrow();
    }



    private static String body(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as("HTTP status of %s: %s", response.uri(), response.body()).isEqualTo(status);
        return response.body();
    }

    private static JsonNode json(HttpResponse<String> response, int status) throws Exception {
        return JSON.readTree(body(response, status));
    }

    private static JsonNode awaitJson(String url, int status) throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> get(url).statusCode() == status);
        return json(get(url), status);
    }
}
