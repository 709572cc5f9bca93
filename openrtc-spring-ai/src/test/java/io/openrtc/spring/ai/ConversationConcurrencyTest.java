package io.openrtc.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.openrtc.pool.PoolOptions;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.ScriptedChatServer;
import io.openrtc.test.SpeechServer;
import io.openrtc.test.SpeechServerTest;
import io.openrtc.test.Transcripts;
import io.openrtc.test.Wav;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten voice conversations at once in one JVM: each caller's spoken booking runs the tool and is
 * confirmed aloud.
 */
@LiveKitServerTest
@SpeechServerTest
class ConversationConcurrencyTest {

    static final int SESSIONS = 10;

    @AutoClose
    private static NodePeer callers;
    private static ScriptedChatServer chat;
    private static ConversationPool pool;

    @BeforeAll
    static void start(LiveKitServer server, SpeechServer speech) {
        callers = NodePeer.start("caller.mjs");
        chat = ScriptedChatServer.start();
        BookingScript.install(chat);
        pool = new ConversationPool(server, speech.openAiBaseUrl().toString(), chat.baseUrl(), "conversation-ten",
                SpeechModels.queued(ConversationPool.PATIENT), PoolOptions.builder().maxConcurrentSessions(SESSIONS).build());
    }

    @AfterAll
    static void stop() {
        pool.close();
        chat.close();
    }

    @Test
    void tenConcurrentConversationsEachBookATable(LiveKitServer server, SpeechServer speech, @TempDir Path dir)
            throws Exception {
        Wav booking = Wav.read(speech.synthesize(ConversationLiveKitTest.BOOKING));
        List<VoiceCaller> sessions = new ArrayList<>();
        try {
            for (int i = 0; i < SESSIONS; i++) {
                String room = pool.dispatch("{\"agent\":\"restaurant\"}");
                sessions.add(VoiceCaller.join(callers, "diner-" + i, server, room, pool.agentIdentity(room)));
            }
            // Each caller speaks once the one before has finished speaking: ten conversations at once,
            // not ten utterances at one instant, which would queue ten transcriptions behind one
            // another on the single speech server of a 2-core machine.
            for (VoiceCaller session : sessions) {
                session.startRecording();
                session.ask(booking, dir);
                session.event("UserSpeechEnded", session.questionPlayed());
            }
            for (VoiceCaller session : sessions) {
                // The tool's own record, rather than the ToolCalled report: once in a CI run one of the
                // agents' many reports (a text stream each) never reached its caller, with nothing logged.
                try {
                    await().atMost(VoiceCaller.WAIT).until(() -> ConversationAgents.Restaurant.BOOKINGS
                            .contains("2@19:00 for " + session.id()));
                } catch (ConditionTimeoutException e) {
                    // Seen once in CI with nothing to go on: the agent's own account of the call says
                    // where the turn went (misheard, split, dropped, a provider timing out).
                    throw new AssertionError("no booking for " + session.id() + " within " + VoiceCaller.WAIT
                            + "; bookings " + ConversationAgents.Restaurant.BOOKINGS + "; the agent reported:\n"
                            + session.history(), e);
                }
                JsonNode confirmed = session.event("AgentSpeechEnded", session.questionPlayed());
                session.awaitSilenceAfter(confirmed);
                // Whisper tiny writes "booked" as "book" now and then.
                assertThat(Transcripts.words(session.transcribeRecording(speech, dir))).contains("seven")
                        .containsAnyOf("booked", "book");
                assertThat(ConversationAgents.Restaurant.BOOKINGS).contains("2@19:00 for " + session.id());
            }
            assertThat(pool.endedSessions()).isEmpty();
        } finally {
            for (VoiceCaller session : sessions) {
                callers.leaveCaller(session.id());
            }
        }
    }
}
