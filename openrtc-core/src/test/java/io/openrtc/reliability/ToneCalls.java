package io.openrtc.reliability;

import static org.awaitility.Awaitility.await;

import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.rtc.NativeObjectCounts;
import io.openrtc.rtc.RtcRuntime;
import io.openrtc.runtime.AgentPool;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.NodePeer;
import io.openrtc.worker.ReconnectBackoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Calls with audio for the fault scenarios: an in-process worker ({@link AgentPool}) whose
 * {@link SpeakerAgent} sessions each talk to one third-party caller (LiveKit's Node SDK), and what
 * the callers measured. Audio counts as heard when a caller's {@code heard} report (every ~200 ms)
 * has the agent's tone at an RMS above {@link #LOUD_RMS}; the gap of a fault is the longest time
 * between two such reports from just before it.
 */
final class ToneCalls implements AutoCloseable {

    static final double LOUD_RMS = 1000;
    static final Duration WAIT = Duration.ofSeconds(90);

    /** One call: the room, its caller's id in the Node peer. */
    record Call(String room, String caller) {
    }

    /** What a caller heard across a fault. */
    record Gap(String caller, double seconds, boolean recovered) {
    }

    private final LiveKitServer server;
    private final String agentName = "reliability-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
    private final AtomicReference<RtcRuntime> rtc = new AtomicReference<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<String> rejoined = new CopyOnWriteArrayList<>();
    private final AgentPool pool;
    private final NodePeer callers;

    ToneCalls(LiveKitServer server) {
        this.server = server;
        this.pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName(agentName)
                .add("speaker", new SpeakerAgent())
                .listener(events::add)
                // The pool's own WebRTC runtime, for its native object counts.
                .prewarm(resources -> rtc.set(resources.get(RtcRuntime.class)))
                .workerOptions(o -> o.reconnectBackoff(new ReconnectBackoff(Duration.ofMillis(200), Duration.ofSeconds(2), 0.2)))
                .build();
        this.callers = NodePeer.start("caller.mjs");
    }

    /** Starts the worker and waits until it is registered. */
    void start() {
        pool.start();
        awaitRegistered();
    }

    void awaitRegistered() {
        await().atMost(WAIT).until(() -> pool.snapshot().worker().state() == ConnectionState.REGISTERED);
    }

    AgentPool pool() {
        return pool;
    }

    NodePeer callers() {
        return callers;
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    List<OpenRtcEvent> events() {
        return List.copyOf(events);
    }

    /** The callers rejoined by {@link #awaitRecovered} because their SDK gave up the connection. */
    List<String> rejoined() {
        return List.copyOf(rejoined);
    }

    NativeObjectCounts liveObjects() {
        return rtc.get().liveObjects();
    }

    /**
     * Dispatches the agent into a fresh room (retrying past LiveKit's registration race), joins a
     * caller there with a 440 Hz tone and waits until the caller hears the agent.
     */
    Call open(String prefix) throws Exception {
        String room = Dispatches.untilAccepted(prefix, r -> {
            // Kept for 5 minutes without participants, so that only the scenario ends it.
            if (!server.roomService().createRoom(r, 300, null, null, null).execute().isSuccessful()
                    || !server.agentDispatch().createDispatch(r, agentName, "").execute().isSuccessful()) {
                throw new IllegalStateException("could not create room and dispatch " + r);
            }
        }, r -> sessionRunning(r));
        String caller = "c" + calls.size() + "-" + prefix;
        callers.joinCaller(caller, server.url(), server.participantToken(room, caller), 440);
        callers.await(e -> e.is("heard", caller) && loud(e), WAIT);
        Call call = new Call(room, caller);
        calls.add(call);
        return call;
    }

    boolean sessionRunning(String room) {
        return events.stream().anyMatch(e -> e instanceof OpenRtcEvent.SessionRunning s && s.session().roomName().equals(room));
    }

    Optional<OpenRtcEvent.SessionEnded> ended(String room) {
        return events.stream().filter(e -> e instanceof OpenRtcEvent.SessionEnded s && s.session().roomName().equals(room))
                .map(OpenRtcEvent.SessionEnded.class::cast).findFirst();
    }

    /**
     * Waits until every call's caller hears the agent again after a fault that began at
     * {@code faultAtMs} and was over at {@code restoredAtMs} (epoch ms): five loud reports after
     * the restore, which no audio from before the fault can give. A caller whose SDK reports the
     * connection lost is rejoined, as an application would.
     */
    List<Gap> awaitRecovered(long faultAtMs, long restoredAtMs, Duration timeout) {
        List<Gap> gaps = new ArrayList<>();
        for (Call call : calls) {
            await().atMost(timeout).until(() -> {
                rejoinIfDisconnected(call.caller(), faultAtMs);
                return gap(call.caller(), faultAtMs, restoredAtMs).recovered();
            });
            gaps.add(gap(call.caller(), faultAtMs, restoredAtMs));
        }
        return gaps;
    }

    private void rejoinIfDisconnected(String caller, long faultAtMs) {
        if (rejoined.contains(caller)) {
            return;
        }
        if (callers.find(e -> e.is("disconnected", caller) && e.tMs() >= faultAtMs).isPresent()) {
            rejoined.add(caller);
            callers.rejoinCaller(caller);
        }
    }

    /**
     * The longest time between two loud reports of {@code caller} from 1 s before the fault, and
     * whether five have come since {@code restoredAtMs}.
     */
    Gap gap(String caller, long faultAtMs, long restoredAtMs) {
        List<Long> loud = callers.eventsOf(caller).stream().filter(e -> e.is("heard") && loud(e))
                .map(NodePeer.Event::tMs).filter(t -> t >= faultAtMs - 1000).sorted().toList();
        long longest = 0;
        for (int i = 1; i < loud.size(); i++) {
            longest = Math.max(longest, loud.get(i) - loud.get(i - 1));
        }
        long sinceRestore = loud.stream().filter(t -> t > restoredAtMs).count();
        return new Gap(caller, longest / 1000.0, sinceRestore >= 5);
    }

    static boolean loud(NodePeer.Event e) {
        return e.number("rms") > LOUD_RMS && Math.abs(e.number("hz") - SpeakerAgent.HZ) < 20;
    }

    /** Ends every call: the caller leaves and its room is deleted, so the session ends normally. */
    void hangUpAll() throws Exception {
        for (Call call : calls) {
            callers.leaveCaller(call.caller());
            server.roomService().deleteRoom(call.room()).execute();
        }
    }

    @Override
    public void close() {
        try {
            callers.close();
        } finally {
            pool.close();
        }
    }

    /** The median of {@code values} (sorted copy); 0 for none. */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
