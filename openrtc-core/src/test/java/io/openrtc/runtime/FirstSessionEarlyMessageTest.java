package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.Agent;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.rtc.Chat;
import io.openrtc.rtc.MessageStream;
import io.openrtc.rtc.Room;
import io.openrtc.rtc.TextMessage;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, defect 11: the agent must hear from the moment it can speak. Each test starts a cold
 * worker (a fresh {@link AgentPool}, its first session) and a caller on LiveKit's Node SDK that
 * sends a chat message without any round trip through this JVM: the instant the agent's greeting
 * has arrived, or the instant its own {@code connect} returned. The agent must get it.
 */
@LiveKitServerTest
class FirstSessionEarlyMessageTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String GREETING = "Hello! What can I do for you?";
    private static final AtomicInteger CALLERS = new AtomicInteger();

    @AutoClose
    private static NodePeer callers;

    @BeforeAll
    static void startCallers() {
        callers = NodePeer.start("caller.mjs");
    }

    /** Greets as soon as someone is in the room, then reads the chat (opened after the greeting, as agents write it). */
    private record GreetingAgent(Map<String, List<String>> heard) implements Agent {
        @Override
        public void run(io.openrtc.agent.AgentSession session) throws Exception {
            Room room = session.room();
            List<String> mine = heard.computeIfAbsent(room.name(), r -> new CopyOnWriteArrayList<>());
            await().atMost(WAIT).until(() -> !room.remoteParticipants().isEmpty());
            room.sendChat(GREETING);
            try (MessageStream<TextMessage> chat = room.chatMessages()) {
                TextMessage message;
                while ((message = chat.poll(WAIT)) != null) {
                    mine.add(message.senderIdentity() + ": " + message.text());
                }
            }
        }
    }

    /**
     * The case the issue saw (a playground user is in the room before the agent): the caller's
     * SDK sent its reply as a data streams v2 header with the text inline and no chunks, which
     * this client's stream assembler used to keep waiting on for chunks that never come. A second
     * Node participant in the room is the control: the server forwards the reply whole.
     */
    @Test
    void aReplySentTheInstantTheGreetingArrivesReachesTheFirstSession(LiveKitServer server) throws Exception {
        Map<String, List<String>> heard = new ConcurrentHashMap<>();
        List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
        Map<String, String> callerOfRoom = new ConcurrentHashMap<>();
        try (AgentPool pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName("greeter-reply")
                .add("greeter", new GreetingAgent(heard))
                .listener(events::add)
                .build()) {
            pool.start();
            // The caller is in the room first (as a user who opens the page), then the agent is dispatched.
            String room = Dispatches.untilAccepted("early-reply", r -> {
                String caller = "reply-" + CALLERS.incrementAndGet();
                callerOfRoom.put(r, caller);
                callers.joinCallerSending(caller, server.url(), server.participantToken(r, caller), List.of(Chat.TOPIC),
                        "replyOnText", "reply", Chat.TOPIC, "I'd like a table for two");
                callers.await(e -> e.is("joined", caller), WAIT);
                // The control: a second SDK participant, in the room before the agent too.
                callers.joinCaller("watch-" + caller, server.url(), server.participantToken(r, "watch-" + caller), 0,
                        List.of(Chat.TOPIC), List.of());
                callers.await(e -> e.is("joined", "watch-" + caller), WAIT);
                var response = server.agentDispatch().createDispatch(r, "greeter-reply", "{}").execute();
                assertThat(response.isSuccessful()).isTrue();
            }, r -> events.stream().anyMatch(e -> e instanceof OpenRtcEvent.JobAccepted a && a.job().roomName().equals(r)));
            String caller = callerOfRoom.get(room);
            try {
                callers.await(e -> e.is("text", caller) && e.text("text").equals(GREETING), WAIT);
                callers.await(e -> e.is("textSent", caller) && e.text("tag").equals("reply"), WAIT);
                // The server forwards the whole reply to the other SDK participant...
                callers.await(e -> e.is("text", "watch-" + caller) && e.text("sender").equals(caller)
                        && e.text("text").equals("I'd like a table for two"), WAIT);
                // ...and the agent must get it as well.
                await().atMost(WAIT).untilAsserted(() -> assertThat(heard.get(room))
                        .containsExactly(caller + ": I'd like a table for two"));
            } finally {
                callerOfRoom.values().forEach(c -> {
                    callers.leaveCaller(c);
                    callers.leaveCaller("watch-" + c);
                });
            }
        }
    }

    @Test
    void aMessageSentTheInstantTheCallerJoinedReachesTheFirstSession(LiveKitServer server) throws Exception {
        Map<String, List<String>> heard = new ConcurrentHashMap<>();
        List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
        try (AgentPool pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName("greeter-join")
                .add("greeter", new GreetingAgent(heard))
                .listener(events::add)
                .build()) {
            pool.start();
            // The agent is in the room first; the caller says something the moment its connect returns.
            String room = Dispatches.dispatchUntilAccepted(server, "greeter-join", "{}", r -> events.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.SessionRunning s && s.session().roomName().equals(r)));
            String caller = "join-" + CALLERS.incrementAndGet();
            try {
                callers.joinCallerSending(caller, server.url(), server.participantToken(room, caller), List.of(Chat.TOPIC),
                        "sendOnJoin", "hello", Chat.TOPIC, "Are you there?");
                callers.await(e -> e.is("textSent", caller) && e.text("tag").equals("hello"), WAIT);
                callers.await(e -> e.is("text", caller) && e.text("text").equals(GREETING), WAIT);
                await().atMost(WAIT).untilAsserted(() -> assertThat(heard.get(room))
                        .containsExactly(caller + ": Are you there?"));
            } finally {
                callers.leaveCaller(caller);
            }
        }
    }
}
