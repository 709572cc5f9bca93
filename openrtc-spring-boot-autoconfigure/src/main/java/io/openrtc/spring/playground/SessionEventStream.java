package io.openrtc.spring.playground;

import io.openrtc.spring.json.Json;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcSnapshot;
import io.openrtc.observe.SessionInfo;
import io.openrtc.observe.VoiceMetric;
import io.openrtc.runtime.AgentPool;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/**
 * The live session panel's WebSocket: on connect, the pool's snapshot (active sessions, drain
 * state); then, as they happen, sessions started and ended (with their outcome), each voice
 * turn's latencies, and drains. Read-only: what a client sends is ignored.
 *
 * <p>Each message is one JSON object with a {@code type}: {@code snapshot},
 * {@code session-started}, {@code session-ended}, {@code turn}, {@code drain-started},
 * {@code drain-finished}, {@code worker-registered}, {@code worker-disconnected}.
 */
public class SessionEventStream extends TextWebSocketHandler {

    private static final Logger log = LoggerFactory.getLogger(SessionEventStream.class);
    private static final int SEND_TIME_LIMIT_MILLIS = 5_000;
    private static final int BUFFER_LIMIT_BYTES = 256 * 1024;

    private final AgentPool agentPool;
    private final Set<WebSocketSession> sessions = ConcurrentHashMap.newKeySet();

    public SessionEventStream(AgentPool agentPool) {
        this.agentPool = agentPool;
        // Not an OpenRtcListener bean: the pool would need this bean to be built, and this one the pool.
        agentPool.addListener(this::onEvent);
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession session) throws IOException {
        WebSocketSession safe = new ConcurrentWebSocketSessionDecorator(session, SEND_TIME_LIMIT_MILLIS, BUFFER_LIMIT_BYTES);
        sessions.add(safe);
        safe.sendMessage(new TextMessage(Json.write(snapshot(agentPool.snapshot()))));
    }

    @Override
    protected void handleTextMessage(WebSocketSession session, TextMessage message) {
        // Read-only: nothing a client sends changes anything.
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        sessions.removeIf(s -> s.getId().equals(session.getId()));
    }

    /** How many panels are connected. */
    public int connections() {
        return sessions.size();
    }

    void onEvent(OpenRtcEvent event) {
        Map<String, Object> message = message(event);
        if (message == null || sessions.isEmpty()) {
            return;
        }
        TextMessage text = new TextMessage(Json.write(message));
        for (WebSocketSession session : sessions) {
            try {
                session.sendMessage(text);
            } catch (IOException | RuntimeException e) {
                log.debug("Session panel {} went away: {}", session.getId(), e.toString());
                sessions.remove(session);
            }
        }
    }

    static Map<String, Object> snapshot(OpenRtcSnapshot snapshot) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "snapshot");
        m.put("at", snapshot.at().toString());
        m.put("agents", snapshot.agents());
        m.put("worker", snapshot.worker().state().toString());
        m.put("draining", snapshot.draining());
        m.put("broken", snapshot.brokenReason());
        m.put("capacity", snapshot.pool().maxConcurrentSessions());
        List<Object> active = new ArrayList<>();
        for (SessionInfo s : snapshot.pool().sessions()) {
            active.add(session(s));
        }
        m.put("sessions", active);
        return m;
    }

    static Map<String, Object> message(OpenRtcEvent event) {
        Map<String, Object> m = new LinkedHashMap<>();
        switch (event) {
            case OpenRtcEvent.SessionStarted e -> {
                m.put("type", "session-started");
                m.putAll(session(e.session()));
            }
            case OpenRtcEvent.SessionEnded e -> {
                m.put("type", "session-ended");
                m.putAll(session(e.session()));
                m.put("outcome", e.outcome().label());
                m.put("durationMs", e.outcome().duration().toMillis());
                if (e.outcome() instanceof SessionOutcome.Failed failed) {
                    m.put("detail", failed.message());
                } else if (e.outcome() instanceof SessionOutcome.Cancelled cancelled) {
                    m.put("detail", cancelled.reason());
                }
            }
            case OpenRtcEvent.VoiceMeasured e when e.metric() instanceof VoiceMetric.Turn turn -> {
                m.put("type", "turn");
                m.putAll(session(e.session()));
                m.put("typed", turn.typed());
                m.put("interrupted", turn.interrupted());
                m.put("responseMs", millis(turn.response()));
                m.put("endOfUtteranceMs", millis(turn.endOfUtterance()));
                m.put("transcriptionMs", millis(turn.transcription()));
                m.put("llmFirstTokenMs", millis(turn.llmFirstToken()));
                m.put("ttsFirstByteMs", millis(turn.ttsFirstByte()));
                m.put("frameworkMs", millis(turn.framework()));
            }
            case OpenRtcEvent.DrainStarted e -> {
                m.put("type", "drain-started");
                m.put("reason", e.reason());
                m.put("timeoutMs", e.timeout().toMillis());
            }
            case OpenRtcEvent.DrainFinished e -> {
                m.put("type", "drain-finished");
                m.put("completed", e.completed());
                m.put("cancelled", e.cancelled());
            }
            case OpenRtcEvent.WorkerRegistered e -> {
                m.put("type", "worker-registered");
                m.put("workerId", e.workerId());
            }
            case OpenRtcEvent.WorkerDisconnected e -> {
                m.put("type", "worker-disconnected");
                m.put("error", e.error());
            }
            default -> {
                return null;
            }
        }
        m.put("at", event.at().toString());
        return m;
    }

    private static Map<String, Object> session(SessionInfo s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jobId", s.jobId());
        m.put("agent", s.agentName());
        m.put("tenant", s.tenant());
        m.put("room", s.roomName());
        m.put("startedAt", s.startedAt().toString());
        return m;
    }

    private static Long millis(Duration d) {
        return d == null ? null : d.toMillis();
    }
}
