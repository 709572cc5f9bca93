package io.openrtc.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.openrtc.pool.PoolOptions;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.SpeechServer;
import io.openrtc.test.SpeechServerTest;
import io.openrtc.test.Wav;
import io.openrtc.voice.VoiceOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten voice sessions at once in one JVM (virtual threads), each checked as one is: every caller
 * hears and transcribes its agent's greeting, then its question comes back as one timed turn.
 */
@LiveKitServerTest
@SpeechServerTest
class VoiceConcurrencyTest {

    static final int SESSIONS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    @AutoClose
    private static NodePeer callers;

    @BeforeAll
    static void startCallers() {
        callers = NodePeer.start("caller.mjs");
    }

    @Test
    void tenConcurrentVoiceSessionsEachSpeakAndHear(LiveKitServer server, SpeechServer speech, @TempDir Path dir)
            throws Exception {
        String speechUrl = speech.openAiBaseUrl().toString();
        Wav question = Wav.read(speech.synthesize(VoiceLiveKitTest.QUESTION));
        String metadata = JSON.createObjectNode().put("greeting", VoiceLiveKitTest.GREETING).toString();
        List<VoiceCaller> sessions = new ArrayList<>();
        PoolOptions options = PoolOptions.builder().maxConcurrentSessions(SESSIONS).build();
        try (ProbePool pool = ProbePool.start(server, speechUrl, "voice-ten", options,
                SpeechModels.queued(VoiceOptions.DEFAULTS))) {
            for (int i = 0; i < SESSIONS; i++) {
                String room = pool.dispatch(metadata);
                sessions.add(VoiceCaller.join(callers, "caller-" + i, server, room, pool.agentIdentity(room)));
            }
            sessions.forEach(s -> s.startRecordingAndAsk("greet"));
            for (VoiceCaller session : sessions) {
                session.assertHeardWhole(speech, dir, VoiceLiveKitTest.GREETING);
            }
            for (VoiceCaller session : sessions) {
                session.ask(question, dir);
            }
            for (VoiceCaller session : sessions) {
                session.assertHeardAsTurn(VoiceLiveKitTest.QUESTION, 1);
            }
            assertThat(pool.endedSessions()).isEmpty();
        } finally {
            for (int i = 0; i < SESSIONS; i++) {
                callers.leaveCaller("caller-" + i);
            }
        }
    }
}
