package io.openrtc.voice;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * When the user's speech stops the agent (barge-in). LiveKit Agents' defaults.
 *
 * @param enabled                  whether the user may interrupt at all (a speech said with
 *                                 {@code allowInterruptions=false} never can)
 * @param minDuration              the user must have spoken this long (0.5 s)
 * @param minWords                 and said at least this many words (0: no minimum); counted on
 *                                 interim transcripts with a streaming speech-to-text, else on the
 *                                 final one
 * @param falseInterruptionTimeout after speech that stopped the agent, wait this long for words
 *                                 (2 s); none came means it was no interruption (a cough, a
 *                                 "mhmm", noise)
 * @param resumeFalseInterruption  after a false interruption, go on speaking where it stopped
 *                                 (LiveKit's {@code resume_false_interruption}); else it is
 *                                 treated as a real interruption
 * @param fillerWords              words that do not count as words: said while the agent speaks
 *                                 ("um", "mhm", "uh-huh"), they are a backchannel, not an
 *                                 interruption, and make no turn
 */
public record InterruptionOptions(boolean enabled, Duration minDuration, int minWords, Duration falseInterruptionTimeout,
                                  boolean resumeFalseInterruption, List<String> fillerWords) {

    /** The filler words of English speech that do not interrupt. */
    public static final List<String> ENGLISH_FILLERS = List.of("uh", "um", "umm", "uhm", "er", "erm", "ah", "oh", "hm", "hmm",
            "mm", "mmm", "mhm", "mm-hmm", "uh-huh", "uh-hmm");

    /** LiveKit's defaults, with English filler words. */
    public static final InterruptionOptions DEFAULTS = new InterruptionOptions(true, Duration.ofMillis(500), 0,
            Duration.ofSeconds(2), true, ENGLISH_FILLERS);

    public InterruptionOptions {
        Objects.requireNonNull(minDuration, "minDuration");
        Objects.requireNonNull(falseInterruptionTimeout, "falseInterruptionTimeout");
        fillerWords = fillerWords == null ? List.of()
                : fillerWords.stream().map(w -> w.strip().toLowerCase(Locale.ROOT)).filter(w -> !w.isEmpty()).toList();
        if (minDuration.isNegative()) {
            throw new IllegalArgumentException("voice interruption.min-duration must not be negative, was " + minDuration);
        }
        if (minWords < 0) {
            throw new IllegalArgumentException("voice interruption.min-words must not be negative, was " + minWords);
        }
        if (!falseInterruptionTimeout.isPositive()) {
            throw new IllegalArgumentException("voice interruption.false-interruption-timeout must be positive, was "
                    + falseInterruptionTimeout);
        }
    }

    /** The words of {@code text} that are not filler words. */
    public int meaningfulWords(String text) {
        int count = 0;
        for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}'-]+")) {
            String bare = word.replaceAll("^[-']+|[-']+$", "");
            if (!bare.isEmpty() && !fillerWords.contains(bare)) {
                count++;
            }
        }
        return count;
    }
}
