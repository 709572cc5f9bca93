package io.openrtc.voice.tts;

/**
 * Turns text into speech that streams back as it is synthesised. The voice pipeline cuts what an
 * agent says into sentences and asks for each one as soon as it has it, so the first sentence
 * plays while later ones are still being made.
 */
public interface TextToSpeech {

    /** A short name for logs, events and errors, such as {@code openai/tts-1}. */
    String name();

    /**
     * Starts synthesising {@code text}.
     *
     * @return the audio as it comes; the pipeline reads it with a time limit and closes it when
     *         done or interrupted (which should cancel the provider's request)
     * @throws Exception when the request cannot even be started
     */
    SpeechStream synthesize(String text) throws Exception;
}
