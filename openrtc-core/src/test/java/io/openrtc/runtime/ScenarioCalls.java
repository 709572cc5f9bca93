package io.openrtc.runtime;

import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.NodePeer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * What the reliability scenarios of an {@link AgentPool} share: the events it published (a ledger
 * of every session's start and end), tone calls answered by {@link ToneAgent} with a real LiveKit
 * caller (LiveKit's Node SDK) on the other end, and the agent's audio measured at those callers.
 */
final class ScenarioCalls {

    private static final Duration WAIT = Duration.ofSeconds(90);
    /** How many of the callers' {@code heard} reports (one per ~200 ms of audio) make a window: about 2 s. */
    private static final int REPORTS_PER_WINDOW = 10;

    /** One call: its room and job, the caller's id and the agent's identity in the room. */
    record Call(String room, String jobId, String caller, String agentIdentity) {
    }

    /**
     * The agent's audio as the callers received it over one window: the lowest frame rate of any
     * caller (20 ms frames: 50 per second is all of it), the gaps over 50 ms, the longest one.
     */
    record Audio(double minFramesPerSecond, long gaps, long maxGapMs, long windowMs) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.1f fps (min of callers), %d gaps > 50 ms, max gap %d ms, over %d ms",
                    minFramesPerSecond, gaps, maxGapMs, windowMs);
        }
    }

    final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
    private final LiveKitServer server;
    private final NodePeer callers;
    private final String agentName;
    private final AtomicInteger tags = new AtomicInteger();

    ScenarioCalls(LiveKitServer server, NodePeer callers, String agentName) {
        this.server = server;
        this.callers = callers;
        this.agentName = agentName;
    }

    /** Dispatches a job for {@code agent} (by job metadata) into fresh rooms until {@code done} holds for one. */
    String dispatch(String agent, Predicate<String> done) throws Exception {
        return Dispatches.dispatchUntilAccepted(server, agentName, "{\"agent\":\"" + agent + "\"}", done);
    }

    /**
     * A tone call: the tone agent's session runs, a caller joins with its 440 Hz tone and hears the
     * agent answer it with 660 Hz (so audio flows both ways).
     */
    Call startToneCall() throws Exception {
        String room = dispatch("tone", this::running);
        String jobId = session(room).orElseThrow().job().jobId();
        String caller = "caller-" + room;
        String agentIdentity = "agent-" + jobId;
        callers.joinCaller(caller, server.url(), server.participantToken(room, caller), ToneAgent.CALLER_HZ);
        callers.await(e -> e.is("heard", caller) && agentIdentity.equals(e.text("participant")) && e.number("rms") > 500
                && Math.abs(e.number("hz") - ToneAgent.HEARD_YOU_HZ) < 15, WAIT);
        return new Call(room, jobId, caller, agentIdentity);
    }

    /**
     * The agent's audio at the callers of {@code calls} from now until {@code until} holds and each
     * caller got a window's worth of reports from its agent (a caller that hears nothing fails it).
     */
    Audio measure(List<Call> calls, Callable<Boolean> until) throws Exception {
        for (Call call : calls) {
            stats(call); // resets the caller's counters: the window starts here
        }
        long from = System.currentTimeMillis();
        await().atMost(WAIT).until(() -> until.call() && calls.stream().allMatch(c -> reportsSince(c, from) >= REPORTS_PER_WINDOW));
        double minFps = Double.MAX_VALUE;
        long gaps = 0;
        long maxGap = 0;
        long window = 0;
        for (Call call : calls) {
            NodePeer.Event stats = stats(call);
            for (var track : stats.json().get("tracks")) {
                if (track.get("participant").asText().equals(call.agentIdentity())) {
                    minFps = Math.min(minFps, track.get("framesPerSecond").asDouble());
                    gaps += track.get("gaps").asLong();
                    maxGap = Math.max(maxGap, track.get("maxGapMs").asLong());
                    window = Math.max(window, track.get("windowMs").asLong());
                }
            }
        }
        return new Audio(minFps == Double.MAX_VALUE ? 0 : minFps, gaps, maxGap, window);
    }

    private NodePeer.Event stats(Call call) {
        String tag = "s" + tags.incrementAndGet();
        callers.stats(call.caller(), tag);
        return callers.awaitTagged("stats", call.caller(), tag, WAIT);
    }

    private long reportsSince(Call call, long fromMs) {
        return callers.eventsOf(call.caller()).stream()
                .filter(e -> e.is("heard") && call.agentIdentity().equals(e.text("participant")) && e.tMs() >= fromMs).count();
    }

    /** Deletes {@code room} in LiveKit. */
    void deleteRoom(String room) throws Exception {
        server.roomService().deleteRoom(room).execute();
    }

    boolean running(String room) {
        return events.stream().anyMatch(e -> e instanceof OpenRtcEvent.SessionRunning r && r.session().roomName().equals(room));
    }

    boolean ended(String room) {
        return ending(room).isPresent();
    }

    /** When the session in {@code room} reported running. */
    Instant runningAt(String room) {
        return events.stream().filter(OpenRtcEvent.SessionRunning.class::isInstance).map(OpenRtcEvent.SessionRunning.class::cast)
                .filter(r -> r.session().roomName().equals(room)).findFirst().orElseThrow().at();
    }

    Optional<io.openrtc.observe.SessionInfo> session(String room) {
        return events.stream().filter(OpenRtcEvent.SessionStarted.class::isInstance).map(OpenRtcEvent.SessionStarted.class::cast)
                .map(OpenRtcEvent.SessionStarted::session).filter(s -> s.roomName().equals(room)).findFirst();
    }

    Optional<OpenRtcEvent.SessionEnded> ending(String room) {
        return events.stream().filter(OpenRtcEvent.SessionEnded.class::isInstance).map(OpenRtcEvent.SessionEnded.class::cast)
                .filter(s -> s.session().roomName().equals(room)).findFirst();
    }

    /** The outcome of the session in {@code room}, waiting for it. */
    SessionOutcome outcome(String room) {
        await().atMost(WAIT).until(() -> ended(room));
        return ending(room).orElseThrow().outcome();
    }

    /** The sessions that ended other than successfully, as "agent: outcome", by room. */
    Map<String, String> unsuccessful() {
        Map<String, String> out = new HashMap<>();
        for (OpenRtcEvent e : events) {
            if (e instanceof OpenRtcEvent.SessionEnded s && !(s.outcome() instanceof SessionOutcome.Success)) {
                out.put(s.session().roomName(), s.session().agentName());
            }
        }
        return out;
    }

    /** Job ids of started sessions with how many times each ended: every one must be exactly 1. */
    Map<String, Integer> endingsPerStartedSession() {
        Map<String, Integer> endings = new HashMap<>();
        for (OpenRtcEvent e : events) {
            if (e instanceof OpenRtcEvent.SessionStarted s) {
                endings.putIfAbsent(s.session().jobId(), 0);
            }
        }
        for (OpenRtcEvent e : events) {
            if (e instanceof OpenRtcEvent.SessionEnded s) {
                endings.merge(s.session().jobId(), 1, Integer::sum);
            }
        }
        return endings;
    }

    /** A short description of an outcome for the report: its label and, for a failure, its message. */
    static String describe(SessionOutcome outcome) {
        return switch (outcome) {
            case SessionOutcome.Failed f -> "FAILED: " + cut(f.message());
            case SessionOutcome.Cancelled c -> "CANCELLED: " + cut(c.reason());
            case SessionOutcome.Success s -> "SUCCESS";
        };
    }

    private static String cut(String text) {
        String line = text == null ? "" : text.replace('\n', ' ');
        return line.length() > 160 ? line.substring(0, 160) + "..." : line;
    }
}
