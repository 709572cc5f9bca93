package io.openrtc.bench;

import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each session's dispatch timeline to the events file when the worker reports it running,
 * in the form the harness reads ({@code benchmarks/harness/runtimes.py}):
 * <ul>
 *   <li>{@code requestedMs}: LiveKit's availability request reached the worker
 *       ({@code at() - sinceOffer()});</li>
 *   <li>{@code assignedMs}: the job assignment arrived ({@code session().startedAt()}, which the
 *       worker fills with the assignment instant);</li>
 *   <li>{@code runningMs}: the room is joined and the agent's code runs ({@code at()}).</li>
 * </ul>
 * Runs in the worker JVM in both isolation modes: {@code SessionRunning} is the worker's event.
 * Declines are logged, so a benchmark that lost sessions says why in the worker's log.
 */
public final class SessionTimeline implements OpenRtcListener {

    private static final Logger log = LoggerFactory.getLogger(SessionTimeline.class);

    private final BenchSettings settings;
    private final EventsFile events;

    /** @param events where to write, or null to only log */
    public SessionTimeline(BenchSettings settings, EventsFile events) {
        this.settings = settings;
        this.events = events;
    }

    @Override
    public void onEvent(OpenRtcEvent event) {
        switch (event) {
            case OpenRtcEvent.SessionRunning running -> {
                if (events != null) {
                    events.append(line(running));
                }
            }
            case OpenRtcEvent.JobDeclined declined -> log.warn("declined job {} in room '{}': {} ({})",
                    declined.job().jobId(), declined.job().roomName(), declined.reason(), declined.detail());
            default -> {
            }
        }
    }

    Map<String, Object> line(OpenRtcEvent.SessionRunning running) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "session");
        line.put("runtime", settings.runtimeName());
        line.put("mode", settings.mode().name().toLowerCase(java.util.Locale.ROOT));
        line.put("room", running.session().roomName());
        line.put("jobId", running.session().jobId());
        line.put("pid", ProcessHandle.current().pid());
        line.put("requestedMs", running.at().minus(running.sinceOffer()).toEpochMilli());
        line.put("assignedMs", running.session().startedAt().toEpochMilli());
        line.put("runningMs", running.at().toEpochMilli());
        return line;
    }
}
