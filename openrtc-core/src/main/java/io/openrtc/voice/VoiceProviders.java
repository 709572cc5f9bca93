package io.openrtc.voice;

import io.openrtc.voice.llm.LanguageModel;
import io.openrtc.voice.stt.SpeechToText;
import io.openrtc.voice.tts.TextToSpeech;
import java.util.Optional;

/**
 * The model providers an agent's voice uses. Any may be missing: a pipeline without
 * speech-to-text cannot {@link Voice#listen()}, one without text-to-speech cannot
 * {@link Voice#say} (its replies go out as chat), one without a language model cannot
 * {@link Voice#reply}; each says which provider is missing when asked.
 *
 * @param stt speech to text, or null
 * @param tts text to speech, or null
 * @param llm the language model, or null
 */
public record VoiceProviders(SpeechToText stt, TextToSpeech tts, LanguageModel llm) {

    /** No providers. */
    public static final VoiceProviders NONE = new VoiceProviders(null, null, null);

    /** Speech-to-text and text-to-speech, no language model. */
    public VoiceProviders(SpeechToText stt, TextToSpeech tts) {
        this(stt, tts, null);
    }

    /** The language model, if any. */
    public Optional<LanguageModel> languageModel() {
        return Optional.ofNullable(llm);
    }

    /** The speech-to-text provider, if any. */
    public Optional<SpeechToText> speechToText() {
        return Optional.ofNullable(stt);
    }

    /** The text-to-speech provider, if any. */
    public Optional<TextToSpeech> textToSpeech() {
        return Optional.ofNullable(tts);
    }
}
