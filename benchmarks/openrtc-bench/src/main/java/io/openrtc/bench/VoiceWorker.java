package io.openrtc.bench;

import io.openrtc.agent.AgentSession;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import io.openrtc.observe.VoiceMetric;
import io.openrtc.pool.PoolOptions;
import io.openrtc.runtime.AgentPool;
import io.openrtc.spring.ai.SpringAiLanguageModel;
import io.openrtc.spring.ai.SpringAiSpeechToText;
import io.openrtc.spring.ai.SpringAiTextToSpeech;
import io.openrtc.voice.VoiceAgent;
import io.openrtc.voice.VoiceOptions;
import io.openrtc.voice.VoiceProviders;
import io.openrtc.voice.VoiceSetup;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.openai.OpenAiAudioSpeechModel;
import org.springframework.ai.openai.OpenAiAudioSpeechOptions;
import org.springframework.ai.openai.OpenAiAudioTranscriptionModel;
import org.springframework.ai.openai.OpenAiAudioTranscriptionOptions;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

/**
 * The OpenRTC-JVM worker the voice benchmark measures ({@code benchmarks/run-voice.sh}): plain
 * Java on {@link AgentPool}, one {@link VoiceAgent} with the sample restaurant agent's
 * instructions, the framework's whole voice pipeline (Silero VAD, endpointing, interruptions) with
 * LiveKit's defaults, and Spring AI's real OpenAI clients (through the {@code openrtc-spring-ai}
 * adapters) pointed at the harness's local servers: the speech server for speech-to-text and
 * text-to-speech ({@code OPENRTC_BENCH_SPEECH_URL}, ending in {@code /v1}) and the scripted
 * OpenAI-compatible chat server for the language model ({@code OPENRTC_BENCH_LLM_URL}).
 *
 * <p>Besides the session line of {@link SessionTimeline}, every measured turn is appended to the
 * events file as a {@code "turn"} line (the framework's own view of the turn: end of utterance,
 * speech-to-text, first token, first byte, response, framework share), so the harness can set the
 * runtime's own figures beside what the caller measured.
 */
public final class VoiceWorker {

    private static final Logger log = LoggerFactory.getLogger(VoiceWorker.class);

    /** The sample restaurant agent's instructions (sample-app RestaurantAgent), the same on both runtimes. */
    static final String INSTRUCTIONS = """
            You are the reservation desk of the Harbour restaurant, on the phone. Keep answers short: one or two \
            sentences, no lists, no markdown. To book, you need the number of guests and a time; ask for what is \
            missing, then call book_table. Times are 24-hour HH:MM; "seven tonight" is 19:00. If the caller asks \
            about teeth or a dentist, call transfer_to_dental.""";

    private VoiceWorker() {
    }

    public static void main(String[] args) throws Exception {
        BenchSettings settings;
        String speechUrl = System.getenv().getOrDefault("OPENRTC_BENCH_SPEECH_URL", "").strip();
        String llmUrl = System.getenv().getOrDefault("OPENRTC_BENCH_LLM_URL", "").strip();
        try {
            settings = BenchSettings.fromEnvironment(System.getenv());
            if (speechUrl.isEmpty() || llmUrl.isEmpty()) {
                throw new IllegalArgumentException("OPENRTC_BENCH_SPEECH_URL and OPENRTC_BENCH_LLM_URL must be set");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("VoiceWorker: " + e.getMessage());
            System.exit(2);
            return;
        }
        EventsFile events = settings.eventsFile().map(EventsFile::new).orElse(null);
        if (!AgentPool.isSessionHost()) {
            log.info("voice worker: {}, speech {}, llm {}", settings, speechUrl, llmUrl);
        }
        SessionTimeline timeline = new SessionTimeline(settings, events);
        OpenRtcListener listener = event -> {
            timeline.onEvent(event);
            if (events != null && event instanceof OpenRtcEvent.VoiceMeasured measured
                    && measured.metric() instanceof VoiceMetric.Turn turn) {
                events.append(turnLine(measured, turn));
            }
        };
        AgentPool.builder()
                .livekit(settings.livekitUrl(), settings.apiKey(), settings.apiSecret())
                .agentName(settings.agentName())
                .add("restaurant", new BenchVoiceAgent())
                .voice(VoiceSetup.of(VoiceOptions.DEFAULTS, providers(speechUrl, llmUrl)))
                .poolOptions(PoolOptions.builder()
                        .isolation(settings.isolation())
                        .maxConcurrentSessions(settings.maxSessions())
                        .drainTimeout(Duration.ofSeconds(5))
                        .consecutiveFailureLimit(1_000_000)
                        .jvmArgs(ToneWorker.childJvmArgs())
                        .build())
                .listener(listener)
                .build()
                .run();
    }

    /**
     * Spring AI's OpenAI clients as the sample app configures them (whisper-1, tts-1 as wav,
     * gpt-4o-mini), with a voice loop's retry and timeout settings: no retries (a retried request
     * would hide a failed turn) and bounded waits.
     */
    static VoiceProviders providers(String speechUrl, String llmUrl) {
        OpenAiAudioTranscriptionModel stt = OpenAiAudioTranscriptionModel.builder()
                .options(OpenAiAudioTranscriptionOptions.builder().baseUrl(speechUrl).apiKey("bench").model("whisper-1")
                        .language("en").timeout(Duration.ofSeconds(30)).maxRetries(0).build())
                .build();
        OpenAiAudioSpeechModel tts = OpenAiAudioSpeechModel.builder()
                .options(OpenAiAudioSpeechOptions.builder().baseUrl(speechUrl).apiKey("bench").model("tts-1")
                        .voice("alloy").responseFormat("wav").timeout(Duration.ofSeconds(30)).maxRetries(0).build())
                .build();
        OpenAiChatModel chat = OpenAiChatModel.builder()
                .options(OpenAiChatOptions.builder().baseUrl(llmUrl).apiKey("bench").model("gpt-4o-mini")
                        .timeout(Duration.ofSeconds(30)).maxRetries(0).build())
                .build();
        return new VoiceProviders(new SpringAiSpeechToText(stt, "speech-server/whisper"),
                new SpringAiTextToSpeech(tts, "speech-server/piper", true), new SpringAiLanguageModel(chat, "scripted-llm"));
    }

    static Map<String, Object> turnLine(OpenRtcEvent.VoiceMeasured measured, VoiceMetric.Turn turn) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "turn");
        line.put("runtime", "openrtc-jvm");
        line.put("room", measured.session().roomName());
        line.put("atMs", measured.at().toEpochMilli());
        line.put("typed", turn.typed());
        line.put("endOfUtteranceMs", millis(turn.endOfUtterance()));
        line.put("sttMs", millis(turn.transcription()));
        line.put("llmFirstTokenMs", millis(turn.llmFirstToken()));
        line.put("ttsFirstByteMs", millis(turn.ttsFirstByte()));
        line.put("responseMs", millis(turn.response()));
        line.put("frameworkMs", millis(turn.framework()));
        line.put("interrupted", turn.interrupted());
        return line;
    }

    private static Long millis(Duration d) {
        return d == null ? null : d.toMillis();
    }

    /** The benchmark's voice agent: the sample's instructions, no greeting, no tools (the scripted model calls none). */
    static final class BenchVoiceAgent implements VoiceAgent {

        @Override
        public String instructions() {
            return INSTRUCTIONS;
        }

        @Override
        public void run(AgentSession session) throws Exception {
            session.voice().converse(this);
        }
    }
}
