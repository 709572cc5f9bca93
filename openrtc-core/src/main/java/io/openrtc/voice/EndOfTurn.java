package io.openrtc.voice;

import java.util.Locale;
import java.util.Set;

/**
 * Decides how long to wait, after the user stopped speaking, before their turn counts as done. No
 * turn-detector model ships in any package here (LiveKit's downloads its own at run time), so the
 * text itself is the signal: words that end in final punctuation get the minimum endpointing
 * delay; words that trail off (no final punctuation, or a last word such as "and" or "um") get the
 * maximum, so a user who pauses mid-sentence is not cut off.
 */
final class EndOfTurn {

    private static final Set<String> TRAILING = Set.of("and", "or", "but", "so", "because", "um", "uh", "er", "like",
            "the", "a", "an", "to", "of", "with", "for", "if", "then", "that", "which", "my", "your");

    private EndOfTurn() {
    }

    /** Whether {@code text} reads as a finished turn. */
    static boolean looksComplete(String text) {
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            return true;
        }
        char last = trimmed.charAt(trimmed.length() - 1);
        String[] words = trimmed.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}' ]", " ").strip().split("\\s+");
        String lastWord = words.length == 0 ? "" : words[words.length - 1];
        if (TRAILING.contains(lastWord)) {
            return false;
        }
        return last == '.' || last == '?' || last == '!' || last == '…' || last == '"' || last == '”';
    }
}
