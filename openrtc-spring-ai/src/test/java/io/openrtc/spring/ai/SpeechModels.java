package io.openrtc.spring.ai;

import io.openrtc.voice.VoiceOptions;
import io.openrtc.voice.VoiceProviders;
import io.openrtc.voice.VoiceSetup;
import java.time.Duration;
import org.springframework.ai.openai.OpenAiAudioSpeechModel;
import org.springframework.ai.openai.OpenAiAudioSpeechOptions;
import org.springframework.ai.openai.OpenAiAudioTranscriptionModel;
import org.springframework.ai.openai.OpenAiAudioTranscriptionOptions;

/**
 * Spring AI's real OpenAI audio clients pointed at an OpenAI-compatible base URL (the local speech
 * server), the path a user takes to OpenAI itself, wrapped as the voice pipeline's providers.
 */
final class SpeechModels {

    private SpeechModels() {
    }

    /** Speech-to-text and text-to-speech through {@code baseUrl} (ending in {@code /v1}). */
    static VoiceProviders providers(String baseUrl) {
        OpenAiAudioTranscriptionModel stt = OpenAiAudioTranscriptionModel.builder()
                .options(OpenAiAudioTranscriptionOptions.builder().baseUrl(baseUrl).apiKey("test-key").model("whisper-1")
                        .language("en").timeout(Duration.ofSeconds(30)).maxRetries(0).build())
                .build();
        OpenAiAudioSpeechModel tts = OpenAiAudioSpeechModel.builder()
                .options(OpenAiAudioSpeechOptions.builder().baseUrl(baseUrl).apiKey("test-key").model("tts-1").voice("alloy")
                        .responseFormat("wav").timeout(Duration.ofSeconds(30)).maxRetries(0).build())
                .build();
        return new VoiceProviders(new SpringAiSpeechToText(stt, "speech-server/whisper"),
                new SpringAiTextToSpeech(tts, "speech-server/piper", true));
    }

    /** Spring AI's real OpenAI chat client against {@code baseUrl} (the scripted chat server), as a language model. */
    static io.openrtc.voice.llm.LanguageModel chat(String baseUrl) {
        org.springframework.ai.openai.OpenAiChatModel model = org.springframework.ai.openai.OpenAiChatModel.builder()
                .options(org.springframework.ai.openai.OpenAiChatOptions.builder().baseUrl(baseUrl).apiKey("test-key")
                        .model("gpt-4o-mini").timeout(Duration.ofSeconds(60)).maxRetries(0).build())
                .build();
        return new SpringAiLanguageModel(model, "scripted-llm");
    }

    /**
     * {@code base} with speech timeouts for many sessions on the one local speech server: it
     * synthesizes one sentence at a time and shares two cores with the callers and the server,
     * so ten greetings at once queue behind one another past the 10 s default.
     */
    static VoiceOptions queued(VoiceOptions base) {
        return base.toBuilder().sttTimeout(Duration.ofSeconds(30)).ttsTimeout(Duration.ofSeconds(30)).build();
    }

    /** The same providers and options for every agent. */
    static VoiceSetup setup(String baseUrl, VoiceOptions options) {
        return VoiceSetup.of(options, providers(baseUrl));
    }
}
