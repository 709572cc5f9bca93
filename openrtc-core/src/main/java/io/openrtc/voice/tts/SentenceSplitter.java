package io.openrtc.voice.tts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Cuts text that arrives in pieces (an LLM's tokens, or one whole string) into sentences for
 * speech synthesis, so the first sentence can be spoken while the rest is still coming.
 *
 * <p>A sentence ends at {@code . ! ?} (or {@code …}, or a line break) followed by white space,
 * except after a known abbreviation ({@code Dr.}, {@code e.g.}), an initial ({@code J.}) or inside
 * a number ({@code 3.5}). Sentences shorter than {@link #minLength} characters are joined to the
 * next, as LiveKit's tokenizer does, so "Hi." is not synthesised alone; a run without an ending
 * longer than {@link #maxLength} characters is cut at its last comma, semicolon, colon or dash,
 * or else at a space, so an unpunctuated answer still starts playing early.
 *
 * <p>Not thread-safe.
 */
public final class SentenceSplitter {

    private static final Set<String> ABBREVIATIONS = Set.of("mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc",
            "e.g", "i.e", "no", "approx", "appt", "dept", "est", "min", "max", "fig", "inc", "ltd", "co", "mt", "ave");

    private final int minLength;
    private final int maxLength;
    private final StringBuilder pending = new StringBuilder();

    /** LiveKit's sizes: sentences of at least 20 characters, cut runs over 300. */
    public SentenceSplitter() {
        this(20, 300);
    }

    /**
     * @param minLength sentences shorter than this join the next one
     * @param maxLength a run without an ending is cut once it is longer than this
     */
    public SentenceSplitter(int minLength, int maxLength) {
        if (minLength < 0 || maxLength < Math.max(1, minLength)) {
            throw new IllegalArgumentException("need 0 <= minLength <= maxLength, was " + minLength + " and " + maxLength);
        }
        this.minLength = minLength;
        this.maxLength = maxLength;
    }

    /** All sentences of a whole text. */
    public static List<String> split(String text) {
        SentenceSplitter splitter = new SentenceSplitter();
        List<String> sentences = new ArrayList<>(splitter.push(text));
        splitter.finish().ifPresent(sentences::add);
        return sentences;
    }

    /** Adds text; returns the sentences it completed (possibly none). */
    public List<String> push(String text) {
        pending.append(text);
        List<String> done = new ArrayList<>();
        int from = 0;
        int candidate;
        while ((candidate = nextBoundary(from)) >= 0) {
            String sentence = pending.substring(0, candidate).strip();
            if (sentence.length() >= minLength) {
                done.add(sentence);
                pending.delete(0, candidate);
                stripLeading();
                from = 0;
            } else {
                from = candidate;
            }
        }
        while (pending.length() > maxLength) {
            int cut = softCut();
            done.add(pending.substring(0, cut).strip());
            pending.delete(0, cut);
            stripLeading();
        }
        return done;
    }

    /** Ends the text: returns what is left, if anything. */
    public java.util.Optional<String> finish() {
        String rest = pending.toString().strip();
        pending.setLength(0);
        return rest.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(rest);
    }

    /** The index just after a sentence ending at or after {@code from}, followed by white space; -1 if none yet. */
    private int nextBoundary(int from) {
        for (int i = Math.max(from, 0); i < pending.length(); i++) {
            char c = pending.charAt(i);
            if (c == '\n') {
                return i + 1;
            }
            if (c != '.' && c != '!' && c != '?' && c != '…') {
                continue;
            }
            int end = i + 1;
            // Closing quotes and brackets belong to the sentence; so do repeated marks ("?!", "...").
            while (end < pending.length() && "\"')]”’.!?".indexOf(pending.charAt(end)) >= 0) {
                end++;
            }
            if (end >= pending.length()) {
                return -1; // the next piece decides: "3." may become "3.5"
            }
            if (!Character.isWhitespace(pending.charAt(end))) {
                i = end - 1;
                continue;
            }
            if (c == '.' && isAbbreviationBefore(i)) {
                continue;
            }
            return end;
        }
        return -1;
    }

    private boolean isAbbreviationBefore(int dot) {
        int start = dot;
        while (start > 0 && !Character.isWhitespace(pending.charAt(start - 1))) {
            start--;
        }
        String word = pending.substring(start, dot).toLowerCase(Locale.ROOT).replaceAll("^[\"'(\\[]+", "");
        if (word.length() == 1 && Character.isLetter(word.charAt(0))) {
            return true; // an initial: "J. Smith"
        }
        return ABBREVIATIONS.contains(word);
    }

    private int softCut() {
        for (int i = maxLength; i > minLength; i--) {
            char c = pending.charAt(i - 1);
            if ((c == ',' || c == ';' || c == ':' || c == '—' || c == '-') && Character.isWhitespace(pending.charAt(i))) {
                return i;
            }
        }
        for (int i = maxLength; i > minLength; i--) {
            if (Character.isWhitespace(pending.charAt(i))) {
                return i;
            }
        }
        return maxLength;
    }

    private void stripLeading() {
        int n = 0;
        while (n < pending.length() && Character.isWhitespace(pending.charAt(n))) {
            n++;
        }
        pending.delete(0, n);
    }
}
