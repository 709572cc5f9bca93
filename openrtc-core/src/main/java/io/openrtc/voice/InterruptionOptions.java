package io.openrtc.voice;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * When the user's speech stops the agent, with one profile for while the agent is
 * <em>speaking</em> (its audio is playing: barge-in) and one for while it is <em>thinking</em>
 * (a reply is under way but not yet audible). So an agent can be hard to interrupt while it
 * speaks yet patient with a user who pauses mid-thought, or the other way round.
 *
 * <p>In both states the same two-step rule holds: speech that has lasted the profile's
 * {@link Profile#minDuration()} <em>holds</em> the agent (a speaking agent goes quiet at once; a
 * thinking one does not start), and words decide: at least {@link Profile#minWords()} words (and
 * always at least one that is not a filler word) make it an interruption (the speech, or the
 * pending reply, ends; the user's words become the turn), none within
 * {@link #falseInterruptionTimeout()} make it a false interruption, and the agent goes on. Both
 * thresholds apply together: neither ever overrides the other.
 *
 * @param enabled                  whether the user may interrupt at all (a speech said with
 *                                 {@code allowInterruptions=false} never can)
 * @param speaking                 the thresholds while the agent's audio plays
 * @param thinking                 the thresholds while a reply is under way and not yet audible
 * @param falseInterruptionTimeout after speech that held the agent, wait this long for words
 *                                 (2 s); none came means it was no interruption (a cough, a
 *                                 "mhmm", noise)
 * @param resumeFalseInterruption  after a false interruption, go on where it stopped (LiveKit's
 *                                 {@code resume_false_interruption}); else a speaking agent
 *                                 stops as if interrupted (a thinking one always goes on)
 */
public record InterruptionOptions(boolean enabled, Profile speaking, Profile thinking, Duration falseInterruptionTimeout,
                                  boolean resumeFalseInterruption) {

    /** The filler words of English speech that do not interrupt. */
    public static final List<String> ENGLISH_FILLERS = Profile.ENGLISH;

    /** LiveKit's defaults (0.5 s, no word minimum) in both states, with English filler words. */
    public static final InterruptionOptions DEFAULTS = new InterruptionOptions(true, Profile.DEFAULT, Profile.DEFAULT,
            Duration.ofSeconds(2), true);

    public InterruptionOptions {
        Objects.requireNonNull(speaking, "speaking");
        Objects.requireNonNull(thinking, "thinking");
        Objects.requireNonNull(falseInterruptionTimeout, "falseInterruptionTimeout");
        if (!falseInterruptionTimeout.isPositive()) {
            throw new IllegalArgumentException("voice interruption.false-interruption-timeout must be positive, was "
                    + falseInterruptionTimeout);
        }
    }

    /** The same thresholds in both states. */
    public static InterruptionOptions both(Profile profile) {
        return new InterruptionOptions(true, profile, profile, DEFAULTS.falseInterruptionTimeout(), true);
    }

    /** These options with {@code value} while speaking. */
    public InterruptionOptions withSpeaking(Profile value) {
        return new InterruptionOptions(enabled, value, thinking, falseInterruptionTimeout, resumeFalseInterruption);
    }

    /** These options with {@code value} while thinking. */
    public InterruptionOptions withThinking(Profile value) {
        return new InterruptionOptions(enabled, speaking, value, falseInterruptionTimeout, resumeFalseInterruption);
    }

    /**
     * The thresholds of one state.
     *
     * @param minDuration the user must have spoken this long (measured from the start of their
     *                    speech, by the wall clock)
     * @param minWords    and said at least this many words that are not filler words (0: one is
     *                    enough); counted on interim transcripts with a streaming speech-to-text,
     *                    else on the final one
     * @param fillerWords words that do not count as words: "um", "mhm", "uh-huh". Said while the
     *                    agent speaks they are a backchannel, not an interruption, and make no turn
     */
    public record Profile(Duration minDuration, int minWords, List<String> fillerWords) {

        // Here rather than in the outer class, so that either class can be initialised first.
        static final List<String> ENGLISH = List.of("uh", "um", "umm", "uhm", "er", "erm", "ah", "oh", "hm", "hmm", "mm", "mmm",
                "mhm", "mhmm", "mm-hmm", "uh-huh", "uh-hmm", "aha", "a-ha", "ah-ha");

        /** 0.5 s, no word minimum, English filler words. */
        public static final Profile DEFAULT = new Profile(Duration.ofMillis(500), 0, ENGLISH);

        public Profile {
            Objects.requireNonNull(minDuration, "minDuration");
            fillerWords = fillerWords == null ? List.of()
                    : fillerWords.stream().map(w -> w.strip().toLowerCase(Locale.ROOT)).filter(w -> !w.isEmpty()).toList();
            if (minDuration.isNegative()) {
                throw new IllegalArgumentException("voice interruption min-duration must not be negative, was " + minDuration);
            }
            if (minWords < 0) {
                throw new IllegalArgumentException("voice interruption min-words must not be negative, was " + minWords);
            }
        }

        /**
         * The words of {@code text} that are not filler words. Besides the listed ones, the hums
         * speech-to-text spells in ever new ways ("mm-mm", "mmhmm", "hmmm", "uhh") count as fillers
         * whenever the list has any fillers at all.
         */
        public int meaningfulWords(String text) {
            int count = 0;
            for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}'-]+")) {
                String bare = word.replaceAll("^[-']+|[-']+$", "");
                if (!bare.isEmpty() && !fillerWords.contains(bare) && !(!fillerWords.isEmpty() && isHum(bare))) {
                    count++;
                }
            }
            return count;
        }

        /** A hum: only m, h, u, and the odd hyphen ("mm-hmm", "uh-huh", "hmm", "mhm", "uhh", "mm-mm"). */
        private static final java.util.regex.Pattern HUM = java.util.regex.Pattern.compile("(?=.*[mh])[mhu]+(-[mhu]+)*");

        private static boolean isHum(String word) {
            // Words made of the same letters that mean something.
            return HUM.matcher(word).matches() && !word.equals("mum") && !word.equals("hum");
        }

        /** Whether {@code text} has enough words to interrupt. */
        public boolean interrupts(String text) {
            return meaningfulWords(text) >= Math.max(1, minWords);
        }
    }
}
