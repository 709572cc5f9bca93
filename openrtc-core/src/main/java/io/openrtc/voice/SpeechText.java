package io.openrtc.voice;

import java.time.Duration;

/**
 * Where the words of one speech come from: a fixed text, or a language model's answer as it
 * streams in. The synthesis reads it piece by piece and speaks each sentence as soon as it is
 * complete.
 */
interface SpeechText {

    /**
     * The next piece of text.
     *
     * @return the piece, or {@code null} once the text is complete
     * @throws VoiceProviderException when the source (a language model) failed or timed out
     */
    String next(Duration timeout) throws VoiceProviderException, InterruptedException;

    /** Stops the source early (the speech was interrupted). */
    default void cancel() {
    }

    /** A whole text, known in advance. */
    static SpeechText of(String text) {
        return new SpeechText() {
            private boolean given;

            @Override
            public String next(Duration timeout) {
                if (given) {
                    return null;
                }
                given = true;
                return text;
            }
        };
    }
}
