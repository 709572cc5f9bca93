package io.openrtc.test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What livekit-server itself recorded about agent jobs, read from its log
 * ({@link LiveKitServer#logFile()}): every job it assigned to a worker, and every job's end with
 * the status LiveKit settled on. The Twirp {@code ListDispatch} answer is no use for that: in
 * v1.13.5 its jobs stay {@code JS_RUNNING} after they ended.
 */
public final class ServerJobLog {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A job LiveKit assigned: {@code assigned job to worker}. */
    public record Assigned(String jobId, String room, String workerId) {
    }

    /** A job's end as LiveKit recorded it: {@code job ended}, status such as {@code JS_SUCCESS}. */
    public record Ended(String jobId, String workerId, String status, String error) {
    }

    private final List<Assigned> assigned = new ArrayList<>();
    private final List<Ended> ended = new ArrayList<>();

    private ServerJobLog() {
    }

    /** Reads the server's log as it is now. */
    public static ServerJobLog read(LiveKitServer server) {
        return read(server.logFile().orElseThrow(() -> new UnsupportedOperationException(server + " has no log this JVM can read")));
    }

    /** Reads a livekit-server log file as it is now (a cluster node's: {@link LiveKitCluster#nodeLog}). */
    public static ServerJobLog read(Path log) {
        ServerJobLog jobs = new ServerJobLog();
        try {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                int json = line.indexOf('{');
                if (json < 0 || !(line.contains("assigned job to worker") || line.contains("job ended"))) {
                    continue;
                }
                JsonNode fields = JSON.readTree(line.substring(json));
                if (line.contains("assigned job to worker")) {
                    jobs.assigned.add(new Assigned(fields.path("jobID").asText(), fields.path("room").asText(),
                            fields.path("workerID").asText()));
                } else {
                    jobs.ended.add(new Ended(fields.path("jobID").asText(), fields.path("workerID").asText(),
                            fields.path("status").asText(), fields.path("error").asText()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jobs;
    }

    /** Every assignment, oldest first. */
    public List<Assigned> assigned() {
        return List.copyOf(assigned);
    }

    /** Every job end, oldest first. */
    public List<Ended> ended() {
        return List.copyOf(ended);
    }

    /** The assignments of jobs in {@code room}. */
    public List<Assigned> assignedIn(String room) {
        return assigned.stream().filter(a -> a.room().equals(room)).toList();
    }

    /** The recorded ends of job {@code jobId} (one, normally). */
    public List<Ended> endsOf(String jobId) {
        return ended.stream().filter(e -> e.jobId().equals(jobId)).toList();
    }
}
