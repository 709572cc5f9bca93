package io.openrtc.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openrtc.agent.JobInfo;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.SessionInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionTimelineTest {

    @TempDir
    Path dir;

    @Test
    void writesTheTimelineTheHarnessReads() throws Exception {
        Path file = dir.resolve("events.jsonl");
        BenchSettings settings = BenchSettings.fromEnvironment(Map.of("LIVEKIT_URL", "ws://x", "LIVEKIT_API_KEY", "k",
                "LIVEKIT_API_SECRET", "s", "OPENRTC_BENCH_MODE", "dispatch", "OPENRTC_BENCH_EVENTS", file.toString()));
        SessionTimeline timeline = new SessionTimeline(settings, new EventsFile(file));
        Instant assigned = Instant.ofEpochMilli(1_000_300);
        Instant running = Instant.ofEpochMilli(1_000_900);
        SessionInfo session = new SessionInfo(JobInfo.forRoom("AJ_1", "room-1", "", ""), "tone", assigned);

        timeline.onEvent(new OpenRtcEvent.SessionRunning(running, session, Duration.ofMillis(800)));
        timeline.onEvent(new OpenRtcEvent.SessionStarted(running, session)); // not a timeline line
        timeline.onEvent(new OpenRtcEvent.SessionRunning(running, session, Duration.ofMillis(800)));

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        JsonNode line = new ObjectMapper().readTree(lines.getFirst());
        assertThat(line.get("event").asText()).isEqualTo("session");
        assertThat(line.get("runtime").asText()).isEqualTo("openrtc-jvm-coroutine");
        assertThat(line.get("mode").asText()).isEqualTo("dispatch");
        assertThat(line.get("room").asText()).isEqualTo("room-1");
        assertThat(line.get("jobId").asText()).isEqualTo("AJ_1");
        assertThat(line.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
        assertThat(line.get("requestedMs").asLong()).isEqualTo(1_000_100);
        assertThat(line.get("assignedMs").asLong()).isEqualTo(1_000_300);
        assertThat(line.get("runningMs").asLong()).isEqualTo(1_000_900);
    }

    @Test
    void appendsEvenWhenTheWritingThreadIsInterrupted() throws Exception {
        Path file = dir.resolve("events.jsonl");
        EventsFile events = new EventsFile(file);

        Thread.currentThread().interrupt();
        try {
            events.append(Map.of("event", "agent-audio"));
        } finally {
            assertThat(Thread.interrupted()).isTrue();
        }

        assertThat(Files.readAllLines(file)).containsExactly("{\"event\":\"agent-audio\"}");
    }
}
