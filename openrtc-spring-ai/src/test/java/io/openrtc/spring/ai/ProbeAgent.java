package io.openrtc.spring.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentSession;
import io.openrtc.rtc.MessageStream;
import io.openrtc.rtc.Room;
import io.openrtc.rtc.TextMessage;
import io.openrtc.voice.SpeechHandle;
import io.openrtc.voice.UserTurn;
import io.openrtc.voice.Voice;
import io.openrtc.voice.VoiceEvent;

/**
 * A voice agent that tells the test what it hears and does, over the room, so the test reads it
 * the same way whether the session runs in this JVM or in a child JVM: every user turn as JSON on
 * {@value #TURNS}, every voice event on {@value #EVENTS}. The caller drives it with text on
 * {@value #CONTROL}: {@code greet} says the job metadata's {@code greeting}, {@code say:<text>}
 * says that text (each reported as a {@code said} event once done). After each turn it says the
 * metadata's {@code reply}, if there is one.
 */
final class ProbeAgent implements Agent {

    static final String TURNS = "probe.turns";
    static final String EVENTS = "probe.events";
    static final String CONTROL = "probe.control";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void run(AgentSession session) throws Exception {
        JsonNode metadata = JSON.readTree(session.metadata().isEmpty() ? "{}" : session.metadata());
        Room room = session.room();
        MessageStream<TextMessage> control = room.texts(CONTROL);
        Voice voice = session.voice();
        voice.addListener(event -> report(room, EVENTS, describe(event)));
        Thread commands = Thread.ofVirtual().name("probe-control").start(() -> obey(control, voice, room, metadata));
        try {
            while (true) {
                UserTurn turn = voice.listen();
                ObjectNode json = JSON.createObjectNode().put("text", turn.text()).put("participant", turn.participantIdentity())
                        .put("trackSid", turn.trackSid()).put("speechStartMs", turn.speechStartedAt().toEpochMilli())
                        .put("speechEndMs", turn.speechEndedAt().toEpochMilli())
                        .put("committedMs", turn.committedAt().toEpochMilli())
                        .put("transcriptionMs", turn.transcriptionDelay().toMillis());
                report(room, TURNS, json);
                if (metadata.hasNonNull("reply")) {
                    voice.say(metadata.get("reply").asText());
                }
            }
        } finally {
            commands.interrupt();
        }
    }

    private static void obey(MessageStream<TextMessage> control, Voice voice, Room room, JsonNode metadata) {
        try {
            TextMessage command;
            while ((command = control.poll(java.time.Duration.ofMinutes(5))) != null) {
                String text = command.text().equals("greet") ? metadata.path("greeting").asText()
                        : command.text().startsWith("say:") ? command.text().substring(4) : "";
                if (text.isEmpty()) {
                    continue;
                }
                SpeechHandle said = voice.say(text);
                report(room, EVENTS, JSON.createObjectNode().put("type", "said").put("text", said.text())
                        .put("spoken", said.spokenText()).put("interrupted", said.isInterrupted())
                        .put("failed", said.failure().isPresent())
                        .put("failure", said.failure().map(Throwable::getMessage).orElse("")));
            }
        } catch (InterruptedException e) {
            // the session ends
        }
    }

    static ObjectNode describe(VoiceEvent event) {
        ObjectNode json = JSON.createObjectNode().put("type", event.getClass().getSimpleName())
                .put("atMs", event.at().toEpochMilli());
        switch (event) {
            case VoiceEvent.ProviderFailed failed -> json.put("provider", failed.provider()).put("step", failed.step().name())
                    .put("message", failed.message());
            case VoiceEvent.AgentStateChanged changed -> json.put("state", changed.state().wireValue());
            case VoiceEvent.UserTranscribed transcribed -> json.put("text", transcribed.text()).put("final", transcribed.isFinal());
            case VoiceEvent.AgentSpeechEnded ended -> json.put("text", ended.text()).put("spoken", ended.spokenText())
                    .put("interrupted", ended.interrupted());
            case VoiceEvent.ToolCalled called -> json.put("tool", called.tool()).put("arguments", called.arguments())
                    .put("failed", called.failed()).put("result", called.result()).put("agent", called.agentName());
            case VoiceEvent.AgentHandoff handoff -> json.put("from", handoff.fromAgent()).put("to", handoff.toAgent());
            case VoiceEvent.AgentInterrupted interrupted -> json.put("text", interrupted.text())
                    .put("spoken", interrupted.spokenText());
            case VoiceEvent.FalseInterruption resumed -> json.put("resumed", resumed.resumed());
            case VoiceEvent.UserTurnDropped dropped -> json.put("text", dropped.text()).put("reason", dropped.reason().tag())
                    .put("detail", dropped.detail());
            case VoiceEvent.UserTurnCommitted committed -> json.put("text", committed.turn().text())
                    .put("typed", committed.turn().source() == io.openrtc.voice.UserTurn.Source.TEXT);
            default -> {
            }
        }
        return json;
    }

    static void report(Room room, String topic, ObjectNode json) {
        try {
            room.sendText(topic, json.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Usually the room is closing; said anyway, since a lost report fails a test far from here.
            org.slf4j.LoggerFactory.getLogger(ProbeAgent.class).warn("Could not report {} on '{}': {}",
                    json.path("type").asText("?"), topic, e.toString());
        }
    }
}
