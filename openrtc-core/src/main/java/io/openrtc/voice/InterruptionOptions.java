package io.openrtc.voice;

import java.time.Duration;
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
 */
public record InterruptionOptions(boolean enabled, Duration minDuration, int minWords, Duration falseInterruptionTimeout,
                                  boolean resumeFalseInterruption) {

    /** LiveKit's defaults. */
    public static final InterruptionOptions DEFAULTS = new InterruptionOptions(true, Duration.ofMillis(500), 0,
            Duration.ofSeconds(2), true);

    public InterruptionOptions {
        Objects.requireNonNull(minDuration, "minDuration");
        Objects.requireNonNull(falseInterruptionTimeout, "falseInterruptionTimeout");
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
}
