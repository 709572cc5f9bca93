package io.openrtc.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.pool.PoolOptions;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.ScriptedChatServer;
import io.openrtc.test.SpeechServer;
import io.openrtc.test.SpeechServerTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Typed input: a caller who never speaks (no microphone) holds a whole conversation in the chat
 * ({@code lk.chat}) with the same voice agent, tools included, and gets every answer in the chat.
 */
@LiveKitServerTest
@SpeechServerTest
class ConversationTextTest {

    @AutoClose
    private static NodePeer callers;
    private static ScriptedChatServer chat;
    private static ConversationPool pool;

    @BeforeAll
    static void start(LiveKitServer server, SpeechServer speech) {
        callers = NodePeer.start("caller.mjs");
        chat = ScriptedChatServer.start();
        BookingScript.install(chat);
        pool = new ConversationPool(server, speech.openAiBaseUrl().toString(), chat.baseUrl(), "conversation-text",
                ConversationPool.PATIENT, PoolOptions.defaults());
    }

    @AfterAll
    static void stop() {
        pool.close();
        chat.close();
    }

    @Test
    void aCallerWhoOnlyTypesHasAWholeConversationInTheChat(LiveKitServer server) throws Exception {
        String room = pool.dispatch("{\"agent\":\"restaurant\"}");
        String agent = pool.agentIdentity(room);
        String typist = "typist";
        callers.joinCaller(typist, server.url(), server.participantToken(room, typist), 0,
                List.of("lk.chat", ProbeAgent.EVENTS), List.of());
        NodePeer.Event joined = callers.await(e -> e.is("joined", typist), VoiceCaller.WAIT);
        try {
            // The agent's identity is known once the job is accepted, but it may still be joining
            // (a cold worker's first join takes seconds here); LiveKit delivers a message only to
            // those in the room, so a typist who types at once must first see the agent there.
            boolean agentThere = false;
            for (var participant : joined.json().path("participants")) {
                agentThere |= participant.path("identity").asText().equals(agent);
            }
            if (!agentThere) {
                callers.await(e -> e.is("participantJoined", typist) && e.text("participant").equals(agent), VoiceCaller.WAIT);
            }
            long hello = System.currentTimeMillis();
            callers.sendText(typist, "hello", "lk.chat", "Hello there", Map.of());
            NodePeer.Event greeting = reply(typist, agent, hello);
            assertThat(greeting.text("text")).isEqualTo("How can I help you with a reservation?");

            long booking = System.currentTimeMillis();
            callers.sendText(typist, "book", "lk.chat", "Please book a table for four at eight tonight.", Map.of());
            // A later message: the greeting's stream, should the SDK hand it over twice, is not the answer.
            String greetingStream = greeting.text("streamId");
            NodePeer.Event confirmed = callers.await(e -> e.is("text", typist) && e.text("topic").equals("lk.chat")
                    && e.text("sender").equals(agent) && e.tMs() >= booking && !e.text("streamId").equals(greetingStream),
                    VoiceCaller.WAIT);
            assertThat(confirmed.text("text")).as("the agent's chat messages: %s", chatFrom(typist, agent))
                    .isEqualTo("Your table for four is booked for eight o'clock tonight.");
            assertThat(ConversationAgents.Restaurant.BOOKINGS).contains("4@20:00 for " + typist);
            // Typed turns, and the model was sent the typed words.
            assertThat(callers.events().stream().filter(e -> e.is("text", typist) && e.text("topic").equals(ProbeAgent.EVENTS)
                    && e.text("text").contains("\"type\":\"UserTurnCommitted\"") && e.text("text").contains("\"typed\":true")))
                    .hasSize(2);
            assertThat(chat.requests()).anyMatch(r -> r.userSaid("table for four"));
            // Nothing was spoken to a caller who has no microphone and cannot be assumed to listen.
            assertThat(callers.events().stream().filter(e -> e.is("text", typist) && e.text("topic").equals(ProbeAgent.EVENTS)
                    && e.text("text").contains("\"type\":\"AgentSpeechStarted\""))).isEmpty();
        } finally {
            callers.leaveCaller(typist);
        }
    }

    /** Every chat message the typist got from the agent: time, stream and text, for a failure's message. */
    private static java.util.List<String> chatFrom(String typist, String agent) {
        return callers.events().stream().filter(e -> e.is("text", typist) && e.text("topic").equals("lk.chat")
                && e.text("sender").equals(agent)).map(e -> e.tMs() + " " + e.text("streamId") + " " + e.text("text")).toList();
    }

    /** The agent's first chat message after {@code sinceMs}. */
    private static NodePeer.Event reply(String typist, String agent, long sinceMs) {
        return callers.await(e -> e.is("text", typist) && e.text("topic").equals("lk.chat") && e.text("sender").equals(agent)
                && e.tMs() >= sinceMs, VoiceCaller.WAIT);
    }
}
