package io.openrtc.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.pool.PoolOptions;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.ScriptedChatServer;
import io.openrtc.test.SpeechServer;
import io.openrtc.test.SpeechServerTest;
import io.openrtc.voice.ConversationOptions;
import io.openrtc.voice.VoiceOptions;
import java.time.Duration;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** A user who says nothing: after the away timeout the agent asks once, and after another the session ends. */
@LiveKitServerTest
@SpeechServerTest
class ConversationAwayTest {

    @AutoClose
    private final NodePeer callers = NodePeer.start("caller.mjs");
    @AutoClose
    private final ScriptedChatServer chat = ScriptedChatServer.start();

    @Test
    void anAwayUserIsAskedOnceAndThenLetGo(LiveKitServer server, SpeechServer speech) throws Exception {
        BookingScript.install(chat);
        VoiceOptions options = VoiceOptions.builder().conversation(new ConversationOptions(Duration.ofSeconds(15), 5,
                Duration.ofSeconds(10), ConversationOptions.DEFAULTS.apology(), Duration.ofSeconds(3), "Are you still there?",
                true, ConversationOptions.HandoffHistory.KEEP)).build();
        try (ConversationPool pool = new ConversationPool(server, speech.openAiBaseUrl().toString(), chat.baseUrl(),
                "conversation-away", options, PoolOptions.defaults())) {
            String room = pool.dispatch("{\"agent\":\"restaurant\"}");
            VoiceCaller caller = VoiceCaller.join(callers, "quiet-caller", server, room, pool.agentIdentity(room));
            long joined = System.currentTimeMillis();
            JsonNode asked = caller.event("AgentSpeechEnded", joined, j -> j.path("text").asText().equals("Are you still there?"));
            assertThat(asked.path("interrupted").asBoolean()).isFalse();
            await().atMost(Duration.ofSeconds(30)).until(() -> !pool.endedSessions().isEmpty());
            var ended = pool.endedSessions().getFirst();
            assertThat(ended.outcome()).isInstanceOf(SessionOutcome.Success.class);
            long askedAfter = asked.path("atMs").asLong() - joined;
            long endedAfter = ended.at().toEpochMilli() - asked.path("atMs").asLong();
            System.out.printf("[voice] away user: asked %d ms after joining, session ended %d ms after the question%n",
                    askedAfter, endedAfter);
            assertThat(endedAfter).isGreaterThanOrEqualTo(2_500);
            assertThat(chat.requests()).as("no model call for silence").isEmpty();
            callers.leaveCaller("quiet-caller");
        }
    }
}
