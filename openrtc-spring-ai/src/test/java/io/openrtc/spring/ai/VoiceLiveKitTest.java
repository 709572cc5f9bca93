package io.openrtc.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.openrtc.pool.Isolation;
import io.openrtc.pool.PoolOptions;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.SpeechServer;
import io.openrtc.test.SpeechServerTest;
import io.openrtc.test.Tones;
import io.openrtc.test.Wav;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A voice session end to end, against a real livekit-server, LiveKit's Node SDK as the caller,
 * the local speech server's Whisper and Piper behind Spring AI's OpenAI clients: the agent
 * speaks (the caller records it and transcribes it on its own side), then hears the caller's
 * spoken question as exactly one turn, timed by its voice activity detection, and publishes both
 * sides' words and its states the way LiveKit's front ends read them; in both isolation modes.
 * Silence and noise make no turn.
 */
@LiveKitServerTest
@SpeechServerTest
class VoiceLiveKitTest {

    static final String GREETING = "Your table for two is booked for seven o'clock tonight.";
    static final String QUESTION = "I would like a table for two at seven tonight.";
    private static final ObjectMapper JSON = new ObjectMapper();

    @AutoClose
    private static NodePeer callers;

    @BeforeAll
    static void startCallers() {
        callers = NodePeer.start("caller.mjs");
    }

    @ParameterizedTest
    @EnumSource(Isolation.class)
    void theAgentSpeaksAndHearsAQuestionAsOneTimedTurn(Isolation isolation, LiveKitServer server, SpeechServer speech,
            @TempDir Path dir) throws Exception {
        String agentName = "voice-" + isolation.name().toLowerCase(Locale.ROOT);
        String speechUrl = speech.openAiBaseUrl().toString();
        PoolOptions options = PoolOptions.builder().isolation(isolation).idleProcesses(1).mainClass(ProbeWorkerMain.class)
                .jvmArgs(List.of("-D" + ProbeWorkerMain.SPEECH_URL_PROPERTY + "=" + speechUrl, "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1"))
                .drainTimeout(Duration.ofSeconds(5)).build();
        String caller = "caller-" + agentName;
        try (ProbePool pool = ProbePool.start(server, speechUrl, agentName, options)) {
            String room = pool.dispatch(JSON.createObjectNode().put("greeting", GREETING).toString());
            VoiceCaller session = VoiceCaller.join(callers, caller, server, room, pool.agentIdentity(room));
            session.startRecordingAndAsk("greet");
            session.assertHeardWhole(speech, dir, GREETING);
            session.ask(speech, dir, QUESTION);
            session.assertHeardAsTurn(QUESTION, 1);
            assertThat(pool.endedSessions()).isEmpty();
        } finally {
            callers.leaveCaller(caller);
        }
    }

    @Test
    void silenceWhiteNoiseAndAToneMakeNoTurn(LiveKitServer server, SpeechServer speech, @TempDir Path dir) throws Exception {
        String speechUrl = speech.openAiBaseUrl().toString();
        int rate = 48_000;
        Random random = new Random(7);
        short[] noise = new short[rate * 2];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (short) (random.nextGaussian() * 2000);
        }
        Path whiteNoise = Wav.of(rate, 1, noise).write(dir.resolve("noise.wav"));
        Path tone = Wav.of(rate, 1, Tones.sine(440, rate, 0, rate * 2)).write(dir.resolve("tone.wav"));
        Path silence = Wav.silence(rate, 1, 2000).write(dir.resolve("silence.wav"));
        String caller = "caller-noise";
        try (ProbePool pool = ProbePool.start(server, speechUrl, "voice-noise", PoolOptions.defaults())) {
            String room = pool.dispatch("{}");
            VoiceCaller session = VoiceCaller.join(callers, caller, server, room, pool.agentIdentity(room));
            for (Path clip : List.of(silence, whiteNoise, tone, silence)) {
                session.play(clip);
            }
            // Then real speech: its turn is the first and only one; nothing before it counted as speech.
            session.ask(speech, dir, QUESTION);
            session.assertHeardAsTurn(QUESTION, 1);
            long speechStarts = session.probes(ProbeAgent.EVENTS).stream()
                    .filter(j -> j.path("type").asText().equals("UserSpeechStarted")).count();
            assertThat(speechStarts).as("speech starts: only the question's").isEqualTo(1);
        } finally {
            callers.leaveCaller(caller);
        }
    }
}
