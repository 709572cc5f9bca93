package io.openrtc.reliability;

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
import io.openrtc.test.NodePeer;
import io.openrtc.test.ScenarioReport;
import io.openrtc.test.ServerJobLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import livekit.LivekitModels.ParticipantInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, scenario 1: SIGTERM to a worker JVM (a Spring Boot application with the starter, as a
 * pod runs) with sessions in flight: stub sessions that keep their room, and sessions with real
 * audio to third-party callers (LiveKit's Node SDK). Every session ends as a success, or, for the
 * ones made to outlast the drain, is cancelled only once the drain timeout is over; none is lost
 * (the worker's own record, written by the child, and LiveKit's dispatch and participant lists
 * agree); a second worker under the same agent name takes every call dispatched during the drain;
 * the process exits 0. CI: 20 stub + 2 audio sessions; full: 100 + 10.
 */
@LiveKitServerTest
class DrainUnderLoadScenarioTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(120);
    /** Stub sessions end between 1 s and this long after the drain began: well inside its timeout. */
    private static final long LATEST_END_MS = 10_000;

    @TempDir
    Path dir;

    private Process worker;
    private Path log;
    private AgentPool second;

    @AfterEach
    void stopEverything() {
        if (worker != null && worker.isAlive()) {
            worker.destroyForcibly();
        }
        if (second != null) {
            second.close();
        }
    }

    @Test
    void sigtermUnderLoadEndsEverySessionLosesNoneAndTheSecondWorkerTakesTheNewCalls(LiveKitServer server) throws Exception {
        int stubs = ScenarioReport.sized(20, 100);
        int audio = ScenarioReport.sized(2, 10);
        int outlasting = ScenarioReport.sized(2, 5);
        int newCalls = ScenarioReport.sized(3, 10);
        String agentName = "drain-" + UUID.randomUUID().toString().substring(0, 8);
        Path outcomes = dir.resolve("outcomes.jsonl");
        log = dir.resolve("worker.log");

        try (ScenarioReport report = ScenarioReport.start("drain-under-load"); NodePeer callers = NodePeer.start("caller.mjs")) {
            worker = startWorker(server, agentName, stubs + audio, outcomes);
            await("the worker JVM registered").atMost(WAIT).until(() -> !worker.isAlive() || !lines(outcomes, "WorkerRegistered").isEmpty());
            assertThat(worker.isAlive()).as("the worker runs (log: %s)", tail(log)).isTrue();

            // The load: stub sessions (some made to outlast the drain) and sessions with audio.
            Map<String, Long> afterDrain = new LinkedHashMap<>();
            List<String> audioRooms = new ArrayList<>();
            for (int i = 0; i < stubs + audio; i++) {
                boolean tone = i >= stubs;
                long after = !tone && i < outlasting ? TimeUnit.MINUTES.toMillis(10) : 1000 + (i * 997L) % (LATEST_END_MS - 1000);
                String metadata = "{\"agent\":\"" + (tone ? "tone" : "hold") + "\",\"afterDrainMs\":" + after + "}";
                String room;
                if (i == 0) {
                    // The first dispatch may be lost to LiveKit's registration race: retried with a fresh room.
                    room = Dispatches.untilAccepted("load", r -> dispatch(server, r, agentName, metadata),
                            r -> has(outcomes, "SessionRunning", r));
                } else {
                    room = Dispatches.uniqueRoom("load");
                    dispatch(server, room, agentName, metadata);
                }
                afterDrain.put(room, after);
                if (tone) {
                    audioRooms.add(room);
                }
            }
            await("every session runs").atMost(WAIT).until(() -> afterDrain.keySet().stream().allMatch(r -> has(outcomes, "SessionRunning", r)));
            for (String room : audioRooms) {
                String caller = "caller-" + room;
                callers.joinCaller(caller, server.url(), server.participantToken(room, caller), 440);
                callers.await(e -> e.is("heard", caller) && loud(e), WAIT);
            }
            report.figure("sessions", afterDrain.size());
            report.figure("audio sessions", audioRooms.size());
            report.figure("sessions made to outlast the drain", outlasting);

            // The second worker, registered under the same agent name before the SIGTERM.
            List<OpenRtcEvent> secondEvents = new CopyOnWriteArrayList<>();
            second = AgentPool.builder().livekit(server.url(), server.apiKey(), server.apiSecret()).agentName(agentName)
                    .add("hold", session -> Thread.sleep(1000)).add("tone", session -> Thread.sleep(1000))
                    .listener(secondEvents::add).build();
            second.start();
            await().atMost(WAIT).until(() -> second.snapshot().worker().state() == ConnectionState.REGISTERED);

            long sigtermAt = System.currentTimeMillis();
            worker.destroy(); // SIGTERM
            await("the drain began").atMost(WAIT).until(() -> !lines(outcomes, "DrainStarted").isEmpty());
            long drainAt = lines(outcomes, "DrainStarted").getFirst().path("at").asLong();

            // New calls during the drain: every one is taken by the second worker.
            List<String> drainRooms = new ArrayList<>();
            String newMetadata = "{\"agent\":\"hold\"}";
            for (int i = 0; i < newCalls; i++) {
                String room = i == 0
                        ? Dispatches.untilAccepted("during-drain", r -> dispatch(server, r, agentName, newMetadata),
                                r -> acceptedBy(secondEvents, r))
                        : Dispatches.uniqueRoom("during-drain");
                if (i > 0) {
                    dispatch(server, room, agentName, newMetadata);
                }
                drainRooms.add(room);
            }
            await("the second worker took every new call").atMost(WAIT)
                    .until(() -> drainRooms.stream().allMatch(r -> acceptedBy(secondEvents, r)));
            long takenBySecond = drainRooms.stream().filter(r -> acceptedBy(secondEvents, r)).count();
            long takenByFirst = drainRooms.stream().filter(r -> has(outcomes, "JobAccepted", r)).count();

            assertThat(worker.waitFor(DRAIN_TIMEOUT.toSeconds() + 60, TimeUnit.SECONDS)).as("the worker exits (log: %s)", tail(log)).isTrue();
            long exitedAt = System.currentTimeMillis();
            int exitCode = worker.exitValue();
            long drainFinishedAt = lines(outcomes, "DrainFinished").stream().mapToLong(l -> l.path("at").asLong()).findFirst()
                    .orElse(exitedAt);
            long takenDuringDrain = secondEvents.stream().filter(e -> e instanceof OpenRtcEvent.JobAccepted a
                    && drainRooms.contains(a.job().roomName()) && a.at().toEpochMilli() < drainFinishedAt).count();
            // The agents with audio went on being heard by their callers while the worker drained.
            long heardDuringDrain = audioRooms.stream().filter(r -> callers.find(e -> e.is("heard", "caller-" + r) && loud(e)
                    && e.tMs() > drainAt + 500).isPresent()).count();

            // What the worker recorded: one end per session.
            Map<String, JsonNode> ends = new TreeMap<>();
            int duplicateEnds = 0;
            for (JsonNode end : lines(outcomes, "SessionEnded")) {
                if (ends.put(end.path("room").asText(), end) != null) {
                    duplicateEnds++;
                }
            }
            int ok = 0;
            int cancelled = 0;
            int lost = 0;
            List<String> wrong = new ArrayList<>();
            long drainTimeoutAt = drainAt + DRAIN_TIMEOUT.toMillis();
            for (var session : afterDrain.entrySet()) {
                JsonNode end = ends.get(session.getKey());
                boolean outlasts = session.getValue() > DRAIN_TIMEOUT.toMillis();
                if (end == null) {
                    lost++;
                } else if (end.path("outcome").asText().equals("success") && !outlasts) {
                    ok++;
                } else if (end.path("outcome").asText().equals("cancelled") && outlasts
                        // The pool's drain starts a moment before the event reports it.
                        && end.path("at").asLong() >= drainTimeoutAt - 1000) {
                    cancelled++;
                } else {
                    wrong.add(session.getKey() + ": " + end);
                }
            }

            // What LiveKit recorded: each call assigned once, each job ended, no agent left in any room.
            List<String> allRooms = new ArrayList<>(afterDrain.keySet());
            allRooms.addAll(drainRooms);
            for (String room : audioRooms) {
                callers.leaveCaller("caller-" + room);
            }
            Set<String> roomsWithAgents = new HashSet<>();
            await("every agent left its room").atMost(WAIT).until(() -> {
                roomsWithAgents.clear();
                for (String room : allRooms) {
                    for (ParticipantInfo p : server.roomService().listParticipants(room).execute().body()) {
                        if (p.getKind() == ParticipantInfo.Kind.AGENT) {
                            roomsWithAgents.add(room);
                        }
                    }
                }
                return roomsWithAgents.isEmpty();
            });
            await("LiveKit recorded the end of every job").atMost(WAIT).until(() -> {
                ServerJobLog jobs = ServerJobLog.read(server);
                return allRooms.stream().allMatch(r -> jobs.assignedIn(r).stream().allMatch(a -> !jobs.endsOf(a.jobId()).isEmpty()));
            });
            ServerJobLog jobs = ServerJobLog.read(server);
            Map<String, Integer> liveKitEnds = new TreeMap<>();
            Map<String, Integer> notAssignedOnce = new java.util.TreeMap<>();
            int agree = 0;
            int failedByLeave = 0;
            for (String room : allRooms) {
                List<ServerJobLog.Assigned> assignments = jobs.assignedIn(room);
                if (assignments.size() != 1) {
                    notAssignedOnce.put(room, assignments.size());
                    continue;
                }
                List<ServerJobLog.Ended> endsOfJob = jobs.endsOf(assignments.getFirst().jobId());
                ServerJobLog.Ended end = endsOfJob.getFirst();
                liveKitEnds.merge(end.status() + (end.error().isEmpty() ? "" : " (" + end.error() + ")"), 1, Integer::sum);
                // Both a success and a cancel are reported to LiveKit as JS_SUCCESS (Worker's contract).
                if (end.status().equals("JS_SUCCESS")) {
                    agree++;
                } else if (end.error().contains("left the room")) {
                    failedByLeave++;
                }
            }

            report.figure("drain time, SIGTERM to exit (s)", (exitedAt - sigtermAt) / 1000.0);
            report.figure("ended ok", ok);
            report.figure("cancelled after the drain timeout", cancelled);
            report.figure("lost", lost);
            report.figure("new calls during the drain", drainRooms.size());
            report.figure("new calls taken by worker 2", takenBySecond);
            report.figure("new calls taken by the draining worker", takenByFirst);
            report.figure("audio sessions heard by their callers during the drain", heardDuringDrain);
            report.figure("calls LiveKit assigned other than once", notAssignedOnce.size()
                    + (notAssignedOnce.isEmpty() ? "" : " (room=times assigned: " + notAssignedOnce + ")"));
            report.figure("job ends LiveKit recorded", liveKitEnds);
            report.figure("LiveKit's job status agrees with ours", agree);
            report.figure("LiveKit recorded as failed because the agent left before its status", failedByLeave);
            report.figure("exit code", exitCode);

            assertThat(wrong).as("sessions that ended otherwise than planned").isEmpty();
            assertThat(duplicateEnds).isZero();
            assertThat(lost).isZero();
            assertThat(ok).isEqualTo(afterDrain.size() - outlasting);
            assertThat(cancelled).isEqualTo(outlasting);
            assertThat(takenBySecond).isEqualTo(newCalls);
            assertThat(takenDuringDrain).as("new calls taken while the worker still drained").isEqualTo(newCalls);
            assertThat(heardDuringDrain).isEqualTo(audio);
            assertThat(takenByFirst).isZero();
            assertThat(exitCode).as("exit status (log: %s)", tail(log)).isZero();
            assertThat(notAssignedOnce).as("calls LiveKit assigned other than once (room=times; lost or run twice)").isEmpty();
            assertThat(roomsWithAgents).isEmpty();
            // The worker writes a job's end before its session leaves the room, but LiveKit handles the
            // two on different connections and now and then sees the leave first, recording JS_FAILED
            // "agent worker left the room" (0 or 1 of 25 here; see docs/reliability.md). Every job
            // must at least be ended in LiveKit, and the race must stay the exception.
            assertThat(agree + failedByLeave).as("LiveKit's job ends: %s", liveKitEnds).isEqualTo(allRooms.size());
            // Before the worker sent the end ahead of the leave, LiveKit agreed on 7 and 8 of 25.
            assertThat(agree).as("LiveKit's job ends: %s", liveKitEnds).isGreaterThan(allRooms.size() / 2);
        }
    }

    private Process startWorker(LiveKitServer server, String agentName, int sessions, Path outcomes) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, "-Xmx512m", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                DrainLoadApplication.class.getName(),
                "--spring.main.web-application-type=none",
                "--spring.main.banner-mode=off",
                "--openrtc.agent-name=" + agentName,
                "--openrtc.routing.default-agent=hold",
                "--openrtc.max-concurrent-sessions=" + (3 * sessions),
                "--openrtc.drain-timeout=" + DRAIN_TIMEOUT.toSeconds() + "s",
                "--spring.lifecycle.timeout-per-shutdown-phase=" + (DRAIN_TIMEOUT.toSeconds() + 15) + "s",
                "--reliability.outcomes-file=" + outcomes,
                // No model is needed here; and test traffic stays on this machine.
                "--spring.ai.openai.base-url=http://127.0.0.1:9/v1");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // The credentials go by environment, as in production, not on a command line others can read.
        builder.environment().put("LIVEKIT_URL", server.url().toString());
        builder.environment().put("LIVEKIT_API_KEY", server.apiKey());
        builder.environment().put("LIVEKIT_API_SECRET", server.apiSecret());
        return builder.start();
    }

    private static void dispatch(LiveKitServer server, String room, String agentName, String metadata) throws IOException {
        // Kept for 5 minutes without participants: the scenario, not the server, ends the calls.
        assertThat(server.roomService().createRoom(room, 300, null, null, null).execute().isSuccessful()).isTrue();
        assertThat(server.agentDispatch().createDispatch(room, agentName, metadata).execute().isSuccessful()).isTrue();
    }

    private static boolean acceptedBy(List<OpenRtcEvent> events, String room) {
        return events.stream().anyMatch(e -> e instanceof OpenRtcEvent.JobAccepted a && a.job().roomName().equals(room));
    }

    private static boolean loud(NodePeer.Event e) {
        return e.number("rms") > 1000 && Math.abs(e.number("hz") - ToneAgent.HZ) < 20;
    }

    private static boolean has(Path outcomes, String event, String room) {
        return lines(outcomes, event).stream().anyMatch(l -> l.path("room").asText().equals(room));
    }

    /** The child's event lines of one kind so far. */
    private static List<JsonNode> lines(Path outcomes, String event) {
        List<JsonNode> found = new ArrayList<>();
        try {
            if (!Files.exists(outcomes)) {
                return found;
            }
            for (String line : Files.readAllLines(outcomes)) {
                // The child may be writing the last line right now.
                if (line.endsWith("}")) {
                    JsonNode json = JSON.readTree(line);
                    if (json.path("event").asText().equals(event)) {
                        found.add(json);
                    }
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return found;
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
