package io.openrtc.spring.ai;

import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.pool.PoolOptions;
import io.openrtc.runtime.AgentPool;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.voice.VoiceOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A worker with the {@link ProbeAgent} and the local speech server as its voice, and its events. */
final class ProbePool implements AutoCloseable {

    private final LiveKitServer server;
    private final String agentName;
    private final AgentPool pool;
    private final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();

    private ProbePool(LiveKitServer server, String speechUrl, String agentName, PoolOptions options, VoiceOptions voice) {
        this.server = server;
        this.agentName = agentName;
        this.pool = ProbeWorkerMain.agents(speechUrl, voice).livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName(agentName).poolOptions(options).listener(events::add).build();
        pool.start();
    }

    /** Starts a worker registered as {@code agentName} (explicit dispatch). */
    static ProbePool start(LiveKitServer server, String speechUrl, String agentName, PoolOptions options) {
        return start(server, speechUrl, agentName, options, VoiceOptions.DEFAULTS);
    }

    /** As {@link #start(LiveKitServer, String, String, PoolOptions)}, with these voice options. */
    static ProbePool start(LiveKitServer server, String speechUrl, String agentName, PoolOptions options,
            VoiceOptions voice) {
        return new ProbePool(server, speechUrl, agentName, options, voice);
    }

    /** Dispatches the agent into a new room and waits until the worker accepted; returns the room. */
    String dispatch(String metadata) throws Exception {
        return Dispatches.dispatchUntilAccepted(server, agentName, metadata, r -> accepted(r) != null);
    }

    /** The identity the agent joined {@code room} as. */
    String agentIdentity(String room) {
        return "agent-" + accepted(room).job().jobId();
    }

    List<OpenRtcEvent> events() {
        return events;
    }

    /** Sessions that ended, for whatever reason. */
    List<OpenRtcEvent.SessionEnded> endedSessions() {
        return PoolEvents.ended(events);
    }

    private OpenRtcEvent.JobAccepted accepted(String room) {
        return PoolEvents.accepted(events, room);
    }

    @Override
    public void close() {
        pool.close();
    }
}
