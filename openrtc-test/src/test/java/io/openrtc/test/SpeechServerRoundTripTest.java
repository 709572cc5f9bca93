package io.openrtc.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The local speech server end to end: speech out, the same words back in, its errors, a restart. */
@SpeechServerTest
class SpeechServerRoundTripTest {

    private static final String PROMPT = "Please book a table for two at seven tonight.";

    @Test
    void synthesizesAWavAndTranscribesTheSameWordsBack(SpeechServer speech) {
        byte[] bytes = speech.synthesize(PROMPT);

        Wav wav = Wav.read(bytes);
        assertThat(wav.sampleRate()).isEqualTo(SpeechServer.WAV_SAMPLE_RATE);
        assertThat(wav.channels()).isEqualTo(1);
        // Nine words spoken at a normal pace: about two and a half seconds.
        assertThat(wav.duration()).isBetween(Duration.ofMillis(1500), Duration.ofMillis(5000));
        int start = wav.firstFrameAbove(500);
        int end = wav.lastFrameAbove(500);
        assertThat(start).isNotNegative();
        assertThat(wav.timeAt(end).minus(wav.timeAt(start))).isGreaterThan(Duration.ofMillis(1200));

        String heard = speech.transcribe(bytes);
        System.out.println("[speech] said '" + PROMPT + "', heard '" + heard + "'");
        assertThat(Transcripts.wordErrors(PROMPT, heard)).as("word errors in '%s'", heard).isLessThanOrEqualTo(1);
    }

    @Test
    void transcribesPaddedResampledStereoAndGivesWordTimes(SpeechServer speech) {
        Wav mono = Wav.read(speech.synthesize(PROMPT));
        // 16 kHz would be Whisper's own rate; 44.1 kHz stereo with silence around it is what a
        // recording looks like, and the server must cope with it.
        short[] s = mono.samples();
        short[] stereo = new short[s.length * 4];
        for (int i = 0; i < s.length; i++) {
            stereo[4 * i] = stereo[4 * i + 1] = stereo[4 * i + 2] = stereo[4 * i + 3] = s[i];
        }
        Wav recording = Wav.of(44_100, 2, stereo).padded(700, 500);

        JsonNode verbose = speech.transcribeVerbose(recording.toBytes());
        assertThat(Transcripts.wordErrors(PROMPT, verbose.path("text").asText())).isLessThanOrEqualTo(1);
        assertThat(verbose.path("language").asText()).isEqualTo("english");
        assertThat(verbose.path("duration").asDouble()).isCloseTo(recording.duration().toMillis() / 1000.0,
                Offset.offset(0.05));
        assertThat(verbose.path("segments")).isNotEmpty();
        JsonNode words = verbose.path("words");
        assertThat(words).hasSizeGreaterThanOrEqualTo(8);
        // The first word cannot start before the 700 ms of leading silence (Whisper's word times
        // are coarse, so only roughly after it).
        assertThat(words.get(0).path("start").asDouble()).isGreaterThan(0.4);
    }

    @Test
    void pcmIsRaw24KilohertzMono(SpeechServer speech) {
        byte[] pcm = speech.synthesizePcm(PROMPT);

        assertThat(new String(pcm, 0, 4, StandardCharsets.ISO_8859_1)).isNotEqualTo("RIFF");
        assertThat(pcm.length % 2).isZero();
        Wav wav = Wav.fromPcm16(pcm, SpeechServer.PCM_SAMPLE_RATE, 1);
        assertThat(wav.duration()).isBetween(Duration.ofMillis(1500), Duration.ofMillis(5000));
        assertThat(wav.peak()).isGreaterThan(3000);
        // The same audio at OpenAI's rate still says the same words.
        assertThat(Transcripts.wordErrors(PROMPT, speech.transcribe(wav.toBytes()))).isLessThanOrEqualTo(1);
    }

    @Test
    void anUnsupportedSpeechFormatIsA400NamingTheSupportedOnes(SpeechServer speech) throws IOException {
        HttpResponse<byte[]> response = speech.speechRequest(PROMPT, "mp3");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = new ObjectMapper().readTree(response.body()).path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asText()).isEqualTo("response_format");
        assertThat(error.path("message").asText()).contains("mp3", "wav", "pcm");
    }

    @Test
    void audioItCannotDecodeIsA400(SpeechServer speech) {
        HttpResponse<byte[]> response = speech.transcriptionRequest("not audio at all".getBytes(StandardCharsets.UTF_8),
                Map.of());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).contains("could not decode");
        assertThatThrownBy(() -> speech.transcribe(new byte[0])).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("400");
    }

    @Test
    void reportsHealthAndProcessingTime(SpeechServer speech) {
        JsonNode health = speech.health();
        assertThat(health.path("status").asText()).isEqualTo("ok");
        assertThat(health.path("stt").path("engine").asText()).startsWith("faster-whisper");
        assertThat(health.path("tts").path("sample_rate").asInt()).isEqualTo(SpeechServer.WAV_SAMPLE_RATE);

        HttpResponse<byte[]> response = speech.speechRequest(PROMPT, "wav");
        assertThat(response.headers().firstValue("X-Processing-Ms")).hasValueSatisfying(
                ms -> assertThat(Double.parseDouble(ms)).isPositive());
        JsonNode endpoint = speech.stats().path("endpoints").path("/v1/audio/speech");
        assertThat(endpoint.path("count").asInt()).isPositive();
        assertThat(endpoint.path("total_ms").asDouble()).isPositive();
    }

    @Test
    void stopsAndStartsAgainOnTheSamePort(SpeechServer speech) {
        int port = speech.port();
        speech.stop();
        assertThat(speech.isRunning()).isFalse();
        Awaitility.await("port " + port + " refusing connections").atMost(Duration.ofSeconds(10))
                .until(() -> !accepts(port));

        speech.start();
        assertThat(speech.port()).isEqualTo(port);
        assertThat(speech.url().getPort()).isEqualTo(port);
        assertThat(Transcripts.wordErrors(PROMPT, speech.transcribe(speech.synthesize(PROMPT)))).isLessThanOrEqualTo(1);
    }

    private static boolean accepts(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
