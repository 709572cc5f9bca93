package io.openrtc.voice;

import io.openrtc.voice.stt.SpeechToText;
import io.openrtc.voice.tts.TextToSpeech;
import java.util.Optional;

/**
 * The model providers an agent's voice uses. Either may be missing: a pipeline without
 * speech-to-text cannot {@link Voice#listen()}, one without text-to-speech cannot
 * {@link Voice#say}; both say which provider is missing when asked.
 *
 * @param stt speech to text, or null
 * @param tts text to speech, or null
 */
public record VoiceProviders(SpeechToText stt, TextToSpeech tts) {

    /** No providers. */
    public static final VoiceProviders NONE = new VoiceProviders(null, null);

    /** The speech-to-text provider, if any. */
    public Optional<SpeechToText> speechToText() {
        return Optional.ofNullable(stt);
    }

    /** The text-to-speech provider, if any. */
    public Optional<TextToSpeech> textToSpeech() {
        return Optional.ofNullable(tts);
    }
}
