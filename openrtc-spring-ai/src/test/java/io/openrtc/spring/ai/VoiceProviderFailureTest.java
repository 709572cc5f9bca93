package io.openrtc.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openrtc.pool.PoolOptions;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.SpeechServer;
import io.openrtc.test.SpeechServerTest;
import io.openrtc.test.Wav;
import java.nio.file.Path;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The speech server stopped mid-session: each step that needs it fails with an event naming the
 * provider and the step, within bounded time; both sessions and the JVM go on, and once the server
 * is back on the same port both sessions hear and speak again.
 */
@LiveKitServerTest
@SpeechServerTest
class VoiceProviderFailureTest {

    static final String QUESTION = VoiceLiveKitTest.QUESTION;
    static final String NOTICE = "The kitchen closes at ten o'clock tonight.";

    @AutoClose
    private static NodePeer callers;

    @BeforeAll
    static void startCallers() {
        callers = NodePeer.start("caller.mjs");
    }

    @Test
    void aStoppedSpeechServerIsReportedAndTheSessionsRecoverWhenItIsBack(LiveKitServer server, SpeechServer speech,
            @TempDir Path dir) throws Exception {
        String speechUrl = speech.openAiBaseUrl().toString();
        Wav question = Wav.read(speech.synthesize(QUESTION));
        try (ProbePool pool = ProbePool.start(server, speechUrl, "voice-faults", PoolOptions.defaults())) {
            String roomA = pool.dispatch("{}");
            String roomB = pool.dispatch("{}");
            VoiceCaller a = VoiceCaller.join(callers, "caller-a", server, roomA, pool.agentIdentity(roomA));
            VoiceCaller b = VoiceCaller.join(callers, "caller-b", server, roomB, pool.agentIdentity(roomB));
            a.ask(question, dir);
            a.assertHeardAsTurn(QUESTION, 1);

            speech.stop();
            // Speech-to-text fails for A's next question...
            a.ask(question, dir);
            JsonNode sttFailed = a.probe(ProbeAgent.EVENTS, j -> j.path("type").asText().equals("ProviderFailed")
                    && j.path("step").asText().equals("STT"));
            assertThat(sttFailed.path("provider").asText()).isEqualTo("speech-server/whisper");
            System.out.printf("[voice] speech-to-text failure reported %d ms after the question began: %s%n",
                    sttFailed.path("atMs").asLong() - a.questionPlayed(), sttFailed.path("message").asText());
            // ...and text-to-speech for what B is asked to say.
            b.control("say:" + NOTICE);
            JsonNode said = b.probe(ProbeAgent.EVENTS, j -> j.path("type").asText().equals("said"));
            assertThat(said.path("failed").asBoolean()).isTrue();
            assertThat(said.path("failure").asText()).contains("speech-server/piper").contains("TTS");
            JsonNode ttsFailed = b.probe(ProbeAgent.EVENTS, j -> j.path("type").asText().equals("ProviderFailed")
                    && j.path("step").asText().equals("TTS"));
            assertThat(ttsFailed.path("provider").asText()).isEqualTo("speech-server/piper");
            assertThat(a.probes(ProbeAgent.TURNS)).as("no turn from a failed transcription").hasSize(1);
            assertThat(pool.endedSessions()).as("sessions ended by the failures").isEmpty();

            speech.start();
            a.ask(question, dir);
            a.assertHeardAsTurn(QUESTION, 2);
            b.startRecordingAndAsk("say:" + NOTICE);
            b.assertHeardWhole(speech, dir, NOTICE);
            assertThat(pool.endedSessions()).isEmpty();
        } finally {
            callers.leaveCaller("caller-a");
            callers.leaveCaller("caller-b");
        }
    }
}
