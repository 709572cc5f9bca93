package io.openrtc.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.runtime.AgentPool;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the sample application, run as its own OS process (as Kubernetes stops a pod),
 * next to a second worker registered under the same agent name, against a real livekit-server:
 * the running session completes, a job dispatched during the drain runs on the second worker,
 * readiness refuses traffic and Prometheus still answers during the drain, and the process
 * exits 0 within the drain timeout.
 */
@LiveKitServerTest
class SampleAppSigtermTest {

    private static final String WORKER_NAME = "sigterm-sample";
    private static final Duration SESSION_LENGTH = Duration.ofSeconds(20);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(40);
    private static final Pattern TOMCAT_STARTED = Pattern.compile("Tomcat started on port (\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    private Process sample;
    private Path log;
    private AgentPool second;

    @AfterEach
    void stopEverything() {
        if (sample != null && sample.isAlive()) {
            sample.destroyForcibly();
        }
        if (log != null) {
            System.out.println("[sigterm] the sample app's last lines:\n" + tail(log));
        }
        if (second != null) {
            second.close();
        }
    }

    @Test
    void sigtermDrainsTheSampleWhileTheSecondWorkerTakesNewJobs(LiveKitServer server) throws Exception {
        log = dir.resolve("sample.log");
        sample = startSample(server, log);
        await("the sample app's web server").atMost(Duration.ofSeconds(90))
                .until(() -> !sample.isAlive() || port(log) > 0);
        assertThat(sample.isAlive()).as("the sample app is running").isTrue();
        String base = "http://127.0.0.1:" + port(log);
        await("the sample app registered with LiveKit").atMost(Duration.ofSeconds(60))
                .until(() -> status(base + "/actuator/health/openrtc") == 200);

        // First job, before the second worker exists: it can only run on the sample app.
        String firstRoom = Dispatches.untilAccepted("first", room -> dispatch(server, room),
                room -> sampleSession(base, room) != null);
        String firstJob = sampleSession(base, firstRoom).path("jobId").asText();

        List<OpenRtcEvent> secondEvents = new CopyOnWriteArrayList<>();
        second = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName(WORKER_NAME)
                .add("restaurant", session -> Thread.sleep(1000))
                .listener(secondEvents::add)
                .build();
        second.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> second.snapshot().worker().state() == ConnectionState.REGISTERED);

        // A scrape of the running sample app shows every OpenRTC meter.
        String scrape = get(base + "/actuator/prometheus").body();
        // Values depend on how many dispatches the registration race took: at least one session ran.
        assertThat(scrape).containsPattern("openrtc_sessions_active\\{agent=\"restaurant\",tenant=\"default\"} [1-9]")
                .containsPattern("openrtc_sessions_started_total\\{agent=\"restaurant\",tenant=\"default\"} [1-9]")
                .containsPattern("openrtc_jobs_accepted_total\\{agent=\"restaurant\"} [1-9]");
        for (String series : List.of("openrtc_sessions_active{agent=\"restaurant\",tenant=\"default\"}", "openrtc_sessions_max",
                "openrtc_sessions_reserved", "openrtc_sessions_started_total{agent=\"restaurant\",tenant=\"default\"}",
                "openrtc_sessions_ended_total{agent=\"restaurant\",outcome=\"success\",tenant=\"default\"}",
                "openrtc_sessions_duration_seconds_count{agent=\"restaurant\",outcome=\"success\",tenant=\"default\"}",
                "openrtc_jobs_offered_total", "openrtc_jobs_accepted_total{agent=\"restaurant\"}",
                "openrtc_jobs_declined_total{reason=\"draining\"}", "openrtc_dispatch_latency_seconds_bucket{agent=\"restaurant\"",
                "openrtc_worker_load", "openrtc_worker_connected 1.0", "openrtc_worker_reconnects_total",
                "openrtc_worker_draining 0.0", "openrtc_worker_broken 0.0", "openrtc_process_idle",
                // The voice series exist before the first turn, so that dashboards and alerts see them at once.
                "openrtc_voice_response_latency_seconds_bucket{agent=\"restaurant\"", "openrtc_voice_turns_total{agent=\"restaurant\"",
                "openrtc_voice_interruptions_total{agent=\"restaurant\",kind=\"real\"}")) {
            assertThat(scrape).contains(series);
        }

        long sigtermAt = System.nanoTime();
        sample.destroy(); // SIGTERM
        HttpResponse<String> readiness = awaitStatus(base + "/actuator/health/readiness", 503);
        assertThat(JSON.readTree(readiness.body()).path("status").asText()).isEqualTo("OUT_OF_SERVICE");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(base + "/actuator/prometheus").body())
                .contains("openrtc_worker_draining 1.0")
                .containsPattern("openrtc_sessions_active\\{agent=\"restaurant\",tenant=\"default\"} [1-9]"));

        // A job dispatched during the drain runs on the second worker.
        String drainRoom = Dispatches.untilAccepted("during-drain", room -> dispatch(server, room),
                room -> secondEvents.stream().anyMatch(e -> e instanceof OpenRtcEvent.JobAccepted a && a.job().roomName().equals(room)));
        assertThat(sample.isAlive()).as("the sample app still drains when the second worker took the job").isTrue();
        assertThat(sampleSession(base, firstRoom)).as("the first session still runs on the sample app").isNotNull();
        await().atMost(Duration.ofSeconds(30)).until(() -> secondEvents.stream()
                .anyMatch(e -> e instanceof OpenRtcEvent.SessionEnded s && s.session().roomName().equals(drainRoom)
                        && s.outcome().label().equals("success")));

        assertThat(sample.waitFor(DRAIN_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS))
                .as("the sample app exits (log: %s)", tail(log)).isTrue();
        Duration untilExit = Duration.ofNanos(System.nanoTime() - sigtermAt);
        String output = Files.readString(log);
        assertThat(sample.exitValue()).as("exit status (log: %s)", tail(log)).isZero();
        assertThat(untilExit).isLessThan(DRAIN_TIMEOUT);
        // The agent's code ran to its end, the session succeeded, and the drain cancelled nothing.
        assertThat(output).contains("restaurant agent done with job " + firstJob)
                .contains("Job " + firstJob + " in room '" + firstRoom + "' ended: success")
                .containsPattern("LiveKit worker drained: [1-9] sessions completed, 0 cancelled")
                .containsPattern("OpenRTC drain finished: [1-9] sessions completed, 0 cancelled")
                .doesNotContain("drain timeout");
        System.out.printf("[sigterm] sample app exited 0 %d ms after SIGTERM; the session that ran there completed%n",
                untilExit.toMillis());
    }

    /** The port the sample's web server announced in its log ({@code server.port=0}), or -1. */
    private static int port(Path log) throws IOException {
        if (!Files.exists(log)) {
            return -1;
        }
        Matcher matcher = TOMCAT_STARTED.matcher(Files.readString(log));
        return matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
    }

    private Process startSample(LiveKitServer server, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java,
                "-Xmx384m",
                "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                SampleApplication.class.getName(),
                "--server.port=0",
                "--spring.main.banner-mode=off",
                "--openrtc.agent-name=" + WORKER_NAME,
                "--openrtc.drain-timeout=" + DRAIN_TIMEOUT.toSeconds() + "s",
                "--spring.lifecycle.timeout-per-shutdown-phase=" + (DRAIN_TIMEOUT.toSeconds() + 10) + "s",
                "--sample.session-length=" + SESSION_LENGTH.toSeconds() + "s",
                // No model is needed here; and test traffic stays on this machine.
                "--spring.ai.openai.base-url=http://127.0.0.1:9/v1"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // The credentials go by environment, as in production, not on a command line others can read.
        builder.environment().put("LIVEKIT_URL", server.url().toString());
        builder.environment().put("LIVEKIT_API_KEY", server.apiKey());
        builder.environment().put("LIVEKIT_API_SECRET", server.apiSecret());
        return builder.start();
    }

    private static void dispatch(LiveKitServer server, String room) throws IOException {
        // The test server closes rooms nobody joined after 20 s; the agents alone do not keep one
        // open, and the first session must outlive the drain's start.
        assertThat(server.roomService().createRoom(room, 300, null, null, null).execute().isSuccessful()).isTrue();
        assertThat(server.agentDispatch().createDispatch(room, WORKER_NAME, "{\"agent\":\"restaurant\"}").execute().isSuccessful())
                .isTrue();
    }

    /** The sample app's session in {@code room}, from its openrtc endpoint; null if none. */
    private static JsonNode sampleSession(String base, String room) {
        JsonNode status;
        try {
            HttpResponse<String> response = get(base + "/actuator/openrtc");
            if (response.statusCode() != 200) {
                return null;
            }
            status = JSON.readTree(response.body());
        } catch (Exception e) {
            return null;
        }
        for (JsonNode session : status.path("sessions")) {
            if (session.path("room").asText().equals(room)) {
                return session;
            }
        }
        return null;
    }

    private static HttpResponse<String> awaitStatus(String url, int status) {
        List<HttpResponse<String>> last = new ArrayList<>(1);
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            HttpResponse<String> response = get(url);
            last.clear();
            last.add(response);
            return response.statusCode() == status;
        });
        return last.getFirst();
    }

    private static int status(String url) {
        try {
            return get(url).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
