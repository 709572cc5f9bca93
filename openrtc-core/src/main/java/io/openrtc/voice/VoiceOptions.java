package io.openrtc.voice;

import io.openrtc.voice.vad.VadOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * How a session's voice pipeline listens and speaks. Every value has LiveKit Agents' default
 * where LiveKit has one; under Spring they are the {@code openrtc.voice.*} properties.
 *
 * @param vad                    voice activity detection
 * @param minEndpointingDelay    after the user stops speaking, wait at least this long before the
 *                               turn ends (0.5 s), counted from the end of the speech
 * @param maxEndpointingDelay    the longest wait when the words so far look unfinished (no final
 *                               punctuation, a trailing "and"), 3 s
 * @param noiseSuppression       clean the caller's audio with WebRTC's noise suppressor before
 *                               VAD and speech-to-text
 * @param sttTimeout             the longest one speech-to-text request may take
 * @param ttsTimeout             the longest a text-to-speech request may take to deliver audio (the
 *                               first piece, and each gap between pieces)
 * @param providerErrors         what a failed provider call does to the session
 * @param closeOnParticipantLeft end the session when the participant it listens to leaves (as
 *                               LiveKit's {@code close_on_disconnect})
 * @param transcripts            publish the user's and the agent's words on {@code lk.transcription}
 * @param trackName              the name of the agent's published audio track
 * @param interruption           when the user's speech stops the agent
 * @param conversation           how the conversation with the language model runs
 */
public record VoiceOptions(VadOptions vad, Duration minEndpointingDelay, Duration maxEndpointingDelay,
                           boolean noiseSuppression, Duration sttTimeout, Duration ttsTimeout,
                           ProviderErrorPolicy providerErrors, boolean closeOnParticipantLeft, boolean transcripts,
                           String trackName, InterruptionOptions interruption, ConversationOptions conversation) {

    /** LiveKit's defaults, noise suppression off. */
    public static final VoiceOptions DEFAULTS = new VoiceOptions(VadOptions.DEFAULTS, Duration.ofMillis(500),
            Duration.ofSeconds(3), false, Duration.ofSeconds(15), Duration.ofSeconds(10), ProviderErrorPolicy.CONTINUE,
            true, true, "agent-voice", InterruptionOptions.DEFAULTS, ConversationOptions.DEFAULTS);

    public VoiceOptions {
        Objects.requireNonNull(vad, "vad");
        Objects.requireNonNull(minEndpointingDelay, "minEndpointingDelay");
        Objects.requireNonNull(maxEndpointingDelay, "maxEndpointingDelay");
        Objects.requireNonNull(sttTimeout, "sttTimeout");
        Objects.requireNonNull(ttsTimeout, "ttsTimeout");
        Objects.requireNonNull(providerErrors, "providerErrors");
        Objects.requireNonNull(trackName, "trackName");
        Objects.requireNonNull(interruption, "interruption");
        Objects.requireNonNull(conversation, "conversation");
        require(!minEndpointingDelay.isNegative(), "min-endpointing-delay must not be negative, was " + minEndpointingDelay);
        require(maxEndpointingDelay.compareTo(minEndpointingDelay) >= 0, "max-endpointing-delay (" + maxEndpointingDelay
                + ") must be at least min-endpointing-delay (" + minEndpointingDelay + ")");
        require(sttTimeout.isPositive(), "stt.timeout must be positive, was " + sttTimeout);
        require(ttsTimeout.isPositive(), "tts.timeout must be positive, was " + ttsTimeout);
        require(!trackName.isBlank(), "track-name must not be blank");
    }

    /** A builder starting from {@link #DEFAULTS}. */
    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** What a failed speech-to-text, LLM or text-to-speech call does to the session. */
    public enum ProviderErrorPolicy {
        /** Report it (an event and a log line) and go on listening: the next turn tries again. */
        CONTINUE,
        /** Report it and end the session. */
        END_SESSION
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("voice " + message);
        }
    }

    /** Builds {@link VoiceOptions}. */
    public static final class Builder {
        private VadOptions vad;
        private Duration minEndpointingDelay;
        private Duration maxEndpointingDelay;
        private boolean noiseSuppression;
        private Duration sttTimeout;
        private Duration ttsTimeout;
        private ProviderErrorPolicy providerErrors;
        private boolean closeOnParticipantLeft;
        private boolean transcripts;
        private String trackName;
        private InterruptionOptions interruption;
        private ConversationOptions conversation;

        private Builder(VoiceOptions from) {
            vad = from.vad;
            minEndpointingDelay = from.minEndpointingDelay;
            maxEndpointingDelay = from.maxEndpointingDelay;
            noiseSuppression = from.noiseSuppression;
            sttTimeout = from.sttTimeout;
            ttsTimeout = from.ttsTimeout;
            providerErrors = from.providerErrors;
            closeOnParticipantLeft = from.closeOnParticipantLeft;
            transcripts = from.transcripts;
            trackName = from.trackName;
            interruption = from.interruption;
            conversation = from.conversation;
        }

        public Builder vad(VadOptions value) { vad = value; return this; }
        public Builder minEndpointingDelay(Duration value) { minEndpointingDelay = value; return this; }
        public Builder maxEndpointingDelay(Duration value) { maxEndpointingDelay = value; return this; }
        public Builder noiseSuppression(boolean value) { noiseSuppression = value; return this; }
        public Builder sttTimeout(Duration value) { sttTimeout = value; return this; }
        public Builder ttsTimeout(Duration value) { ttsTimeout = value; return this; }
        public Builder providerErrors(ProviderErrorPolicy value) { providerErrors = value; return this; }
        public Builder closeOnParticipantLeft(boolean value) { closeOnParticipantLeft = value; return this; }
        public Builder transcripts(boolean value) { transcripts = value; return this; }
        public Builder trackName(String value) { trackName = value; return this; }
        public Builder interruption(InterruptionOptions value) { interruption = value; return this; }
        public Builder conversation(ConversationOptions value) { conversation = value; return this; }

        /** The options; throws {@link IllegalArgumentException} naming a bad value. */
        public VoiceOptions build() {
            return new VoiceOptions(vad, minEndpointingDelay, maxEndpointingDelay, noiseSuppression, sttTimeout, ttsTimeout,
                    providerErrors, closeOnParticipantLeft, transcripts, trackName, interruption, conversation);
        }
    }
}
