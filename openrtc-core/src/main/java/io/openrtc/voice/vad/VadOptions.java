package io.openrtc.voice.vad;

import java.time.Duration;
import java.util.Objects;

/**
 * How voice activity detection turns the model's per-window speech probability into speech
 * segments. The defaults are LiveKit's for its Silero plugin.
 *
 * @param activationThreshold   a window whose (smoothed) probability reaches this is speech (0.5)
 * @param deactivationThreshold while speaking, a window below this is silence; at most the
 *                              activation threshold (default: activation - 0.15, as in LiveKit 1.x,
 *                              so a voice that wavers around the threshold is not cut into pieces)
 * @param minSpeech             speech must last this long before it counts as started (50 ms)
 * @param minSilence            silence must last this long before speech counts as ended (550 ms)
 * @param prefixPadding         audio kept in front of the speech's start in each utterance (500 ms)
 * @param maxBufferedSpeech     the longest utterance kept; speech beyond it is not buffered (60 s)
 */
public record VadOptions(double activationThreshold, double deactivationThreshold, Duration minSpeech, Duration minSilence,
                         Duration prefixPadding, Duration maxBufferedSpeech) {

    /** LiveKit's defaults. */
    public static final VadOptions DEFAULTS = new VadOptions(0.5, 0.35, Duration.ofMillis(50), Duration.ofMillis(550),
            Duration.ofMillis(500), Duration.ofSeconds(60));

    public VadOptions {
        Objects.requireNonNull(minSpeech, "minSpeech");
        Objects.requireNonNull(minSilence, "minSilence");
        Objects.requireNonNull(prefixPadding, "prefixPadding");
        Objects.requireNonNull(maxBufferedSpeech, "maxBufferedSpeech");
        require(activationThreshold > 0 && activationThreshold < 1,
                "activation-threshold must be between 0 and 1 (exclusive), was " + activationThreshold);
        require(deactivationThreshold > 0 && deactivationThreshold <= activationThreshold,
                "deactivation-threshold must be above 0 and at most activation-threshold (" + activationThreshold + "), was "
                        + deactivationThreshold);
        require(!minSpeech.isNegative(), "min-speech must not be negative, was " + minSpeech);
        require(minSilence.isPositive(), "min-silence must be positive, was " + minSilence);
        require(!prefixPadding.isNegative() && prefixPadding.compareTo(Duration.ofSeconds(5)) <= 0,
                "prefix-padding must be between 0 and 5s, was " + prefixPadding);
        require(maxBufferedSpeech.compareTo(Duration.ofSeconds(1)) >= 0 && maxBufferedSpeech.compareTo(Duration.ofMinutes(10)) <= 0,
                "max-buffered-speech must be between 1s and 10m, was " + maxBufferedSpeech);
    }

    /** These options with another activation threshold, and the deactivation threshold 0.15 below it. */
    public VadOptions withActivationThreshold(double value) {
        return new VadOptions(value, Math.max(0.01, value - 0.15), minSpeech, minSilence, prefixPadding, maxBufferedSpeech);
    }

    /** These options with another minimum silence. */
    public VadOptions withMinSilence(Duration value) {
        return new VadOptions(activationThreshold, deactivationThreshold, minSpeech, value, prefixPadding, maxBufferedSpeech);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("VAD " + message);
        }
    }
}
