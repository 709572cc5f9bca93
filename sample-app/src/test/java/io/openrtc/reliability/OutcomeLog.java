package io.openrtc.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes what the worker did, one JSON line per event, to a file the test reads: registrations,
 * jobs accepted and declined, sessions running and ended (with outcome and reason), the drain.
 * Each line is written (and the file closed) before the next event, so the file holds everything
 * up to the moment the JVM exits.
 */
final class OutcomeLog implements OpenRtcListener {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    OutcomeLog(Path file) {
        this.file = file;
    }

    @Override
    public void onEvent(OpenRtcEvent event) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", event.getClass().getSimpleName());
        line.put("at", event.at().toEpochMilli());
        switch (event) {
            case OpenRtcEvent.WorkerRegistered e -> line.put("workerId", e.workerId());
            case OpenRtcEvent.JobAccepted e -> line.putAll(Map.of("room", e.job().roomName(), "job", e.job().jobId()));
            case OpenRtcEvent.JobDeclined e -> line.putAll(Map.of("room", e.job().roomName(), "reason", e.reason().toString()));
            case OpenRtcEvent.SessionRunning e -> line.putAll(Map.of("room", e.session().roomName(), "job", e.session().jobId(),
                    "agent", e.session().agentName()));
            case OpenRtcEvent.SessionEnded e -> line.putAll(Map.of("room", e.session().roomName(), "job", e.session().jobId(),
                    "agent", e.session().agentName(), "outcome", e.outcome().label(), "reason", reason(e.outcome())));
            case OpenRtcEvent.DrainStarted e -> line.put("timeoutMs", e.timeout().toMillis());
            case OpenRtcEvent.DrainFinished e -> line.putAll(Map.of("completed", e.completed(), "cancelled", e.cancelled()));
            default -> {
                return;
            }
        }
        write(line);
    }

    private synchronized void write(Map<String, Object> line) {
        try {
            Files.writeString(file, JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String reason(SessionOutcome outcome) {
        return switch (outcome) {
            case SessionOutcome.Cancelled c -> c.reason();
            case SessionOutcome.Failed f -> String.valueOf(f.error());
            default -> "";
        };
    }
}
