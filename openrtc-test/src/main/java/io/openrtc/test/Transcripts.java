package io.openrtc.test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Compares what was said with what speech-to-text heard. Whisper writes "two" as "2" and "7:00"
 * for "seven", and punctuates freely, so comparisons go through {@link #words(String)}.
 */
public final class Transcripts {

    private static final String[] ONES = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
        "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
        "nineteen"};
    private static final String[] TENS = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
        "ninety"};

    private Transcripts() {
    }

    /**
     * The words of {@code text}, lower case, without punctuation, numbers from 0 to 99 spelled
     * out ("2" becomes "two", "21" becomes "twenty one", "7:00" becomes "seven") and hyphenated
     * words split.
     */
    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        String cleaned = text.toLowerCase(Locale.ROOT)
                .replaceAll("(\\d{1,2}):00\\b", "$1")
                .replaceAll("[^\\p{L}\\p{N}']+", " ");
        for (String word : cleaned.trim().split("\\s+")) {
            word = word.replaceAll("^'+|'+$", "");
            if (word.isEmpty()) {
                continue;
            }
            if (word.matches("\\d{1,2}")) {
                out.addAll(List.of(spell(Integer.parseInt(word)).split(" ")));
            } else {
                out.add(word);
            }
        }
        return out;
    }

    /**
     * How many words would have to be substituted, inserted or deleted to turn what was said
     * into what was heard (the word-level edit distance of their {@link #words(String)}).
     */
    public static int wordErrors(String said, String heard) {
        List<String> a = words(said);
        List<String> b = words(heard);
        int[] previous = new int[b.size() + 1];
        int[] current = new int[b.size() + 1];
        for (int j = 0; j <= b.size(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.size(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.size(); j++) {
                int substitute = previous[j - 1] + (a.get(i - 1).equals(b.get(j - 1)) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.size()];
    }

    private static String spell(int n) {
        if (n < 20) {
            return ONES[n];
        }
        return n % 10 == 0 ? TENS[n / 10] : TENS[n / 10] + " " + ONES[n % 10];
    }
}
