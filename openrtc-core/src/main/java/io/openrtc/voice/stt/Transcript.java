package io.openrtc.voice.stt;

import java.util.Objects;

/**
 * What a speech-to-text provider heard.
 *
 * @param text       the words, as the provider wrote them (punctuation included); may be empty
 * @param language   the language it detected or was told (BCP 47 or ISO 639-1), or empty
 * @param confidence between 0 and 1, or -1 when the provider gives none
 */
public record Transcript(String text, String language, double confidence) {

    public Transcript {
        text = Objects.requireNonNullElse(text, "").strip();
        language = Objects.requireNonNullElse(language, "");
    }

    /** A transcript of {@code text} with no language and no confidence. */
    public static Transcript of(String text) {
        return new Transcript(text, "", -1);
    }

    /** Whether nothing was heard. */
    public boolean isEmpty() {
        return text.isEmpty();
    }
}
