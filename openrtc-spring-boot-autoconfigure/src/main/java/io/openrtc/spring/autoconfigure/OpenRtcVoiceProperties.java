package io.openrtc.spring.autoconfigure;

import io.openrtc.voice.ConversationOptions;
import io.openrtc.voice.InterruptionOptions;
import io.openrtc.voice.VoiceOptions;
import java.util.List;
import io.openrtc.voice.vad.VadOptions;
import java.time.Duration;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the agents' voice pipeline, bound from openrtc.voice.*. The defaults are LiveKit
 * Agents' own; every value is checked when the application starts, and a bad one stops it with a
 * message naming the property.
 *
 * @param vad                    Voice activity detection (Silero)
 * @param minEndpointingDelay    After the user stops speaking, the shortest wait before the turn
 *                               ends, counted from the end of the speech
 * @param maxEndpointingDelay    The longest wait, used when the words so far look unfinished (no
 *                               final punctuation, or a trailing "and", "um")
 * @param noiseSuppression       Whether to clean the caller's audio with WebRTC's noise suppressor
 *                               before voice activity detection and speech-to-text
 * @param stt                    Speech-to-text requests
 * @param tts                    Text-to-speech requests
 * @param providerErrors         What a failed speech-to-text or text-to-speech call does to the
 *                               session: continue (report it and go on listening) or end-session
 * @param closeOnParticipantLeft Whether the session ends when the participant it listens to leaves
 * @param transcripts            Whether to publish the user's and the agent's words on
 *                               lk.transcription, for LiveKit's front ends
 * @param trackName              The name of the agent's published audio track
 * @param interruption           When the user's speech stops the agent (barge-in)
 * @param llm                    The conversation with the language model
 * @param apology                What the agent says when it cannot answer (the model failed or
 *                               timed out); empty to say nothing
 * @param userAway               The user who stops talking
 * @param handoffHistory         What a new agent gets of the conversation at a handoff: keep (all
 *                               of it), summary (a summary its model writes) or none
 */
@ConfigurationProperties("openrtc.voice")
public record OpenRtcVoiceProperties(
        @DefaultValue Vad vad,
        @DefaultValue("500ms") Duration minEndpointingDelay,
        @DefaultValue("3s") Duration maxEndpointingDelay,
        @DefaultValue("false") boolean noiseSuppression,
        @DefaultValue Stt stt,
        @DefaultValue Tts tts,
        @DefaultValue("continue") ProviderErrors providerErrors,
        @DefaultValue("true") boolean closeOnParticipantLeft,
        @DefaultValue("true") boolean transcripts,
        @DefaultValue("agent-voice") String trackName,
        @DefaultValue Interruption interruption,
        @DefaultValue Llm llm,
        @DefaultValue("Sorry, something went wrong on my side. Could you say that again?") String apology,
        @DefaultValue UserAway userAway,
        @DefaultValue("keep") HandoffHistory handoffHistory) {

    public OpenRtcVoiceProperties {
        // Builds once, so that a bad combination fails at startup with the property's name.
        options(vad, minEndpointingDelay, maxEndpointingDelay, noiseSuppression, stt, tts, providerErrors,
                closeOnParticipantLeft, transcripts, trackName, interruption, llm, apology, userAway, handoffHistory);
    }

    /** The pipeline's options these properties describe. */
    public VoiceOptions toOptions() {
        return options(vad, minEndpointingDelay, maxEndpointingDelay, noiseSuppression, stt, tts, providerErrors,
                closeOnParticipantLeft, transcripts, trackName, interruption, llm, apology, userAway, handoffHistory);
    }

    private static VoiceOptions options(Vad vad, Duration minEndpointingDelay, Duration maxEndpointingDelay,
            boolean noiseSuppression, Stt stt, Tts tts, ProviderErrors providerErrors, boolean closeOnParticipantLeft,
            boolean transcripts, String trackName, Interruption interruption, Llm llm, String apology, UserAway userAway,
            HandoffHistory handoffHistory) {
        try {
            return VoiceOptions.builder()
                    .interruption(interruption.toOptions())
                    .conversation(new ConversationOptions(llm.timeout(), llm.maxToolSteps(), llm.toolTimeout(), apology,
                            userAway.timeout(), userAway.prompt(), userAway.endSession(),
                            ConversationOptions.HandoffHistory.valueOf(handoffHistory.name())))
                    .vad(vad.toOptions())
                    .minEndpointingDelay(minEndpointingDelay)
                    .maxEndpointingDelay(maxEndpointingDelay)
                    .noiseSuppression(noiseSuppression)
                    .sttTimeout(stt.timeout())
                    .ttsTimeout(tts.timeout())
                    .providerErrors(providerErrors == ProviderErrors.END_SESSION
                            ? VoiceOptions.ProviderErrorPolicy.END_SESSION : VoiceOptions.ProviderErrorPolicy.CONTINUE)
                    .closeOnParticipantLeft(closeOnParticipantLeft)
                    .transcripts(transcripts)
                    .trackName(trackName)
                    .build();
        } catch (IllegalArgumentException e) {
            // "voice stt.timeout must be positive" -> "openrtc.voice.stt.timeout must be positive"
            // The message says it all; no cause, so that the root cause a failure report shows names the property.
            // A check across two settings names the second one too (found by PropertyBindingFuzzTest:
            // "... must be at least min-endpointing-delay" did not say which property that is).
            String message = String.valueOf(e.getMessage())
                    .replace("must be at least min-endpointing-delay", "must be at least openrtc.voice.min-endpointing-delay");
            throw new IllegalArgumentException(message.startsWith("openrtc.") ? message
                    : "openrtc." + message.replaceFirst("^voice ", "voice."));
        }
    }

    /**
     * Voice activity detection (Silero VAD, LiveKit's defaults).
     *
     * @param activationThreshold   A 32 ms window whose speech probability reaches this is speech
     * @param deactivationThreshold Inside speech, a window below this is silence; at most the
     *                              activation threshold; empty for activation-threshold - 0.15
     * @param minSpeech             How long speech must last before it counts as started
     * @param minSilence            How long silence must last before speech counts as ended
     * @param prefixPadding         Audio kept in front of the speech in each utterance sent to
     *                              speech-to-text
     * @param maxBufferedSpeech     The longest utterance kept
     */
    public record Vad(@DefaultValue("0.5") double activationThreshold,
                      Double deactivationThreshold,
                      @DefaultValue("50ms") Duration minSpeech,
                      @DefaultValue("550ms") Duration minSilence,
                      @DefaultValue("500ms") Duration prefixPadding,
                      @DefaultValue("60s") Duration maxBufferedSpeech) {

        public Vad {
            toOptions(activationThreshold, deactivationThreshold, minSpeech, minSilence, prefixPadding, maxBufferedSpeech);
        }

        VadOptions toOptions() {
            return toOptions(activationThreshold, deactivationThreshold, minSpeech, minSilence, prefixPadding, maxBufferedSpeech);
        }

        private static VadOptions toOptions(double activation, Double deactivation, Duration minSpeech, Duration minSilence,
                Duration prefixPadding, Duration maxBufferedSpeech) {
            double off = deactivation != null ? deactivation : Math.max(0.01, activation - 0.15);
            try {
                return new VadOptions(activation, off, minSpeech, minSilence, prefixPadding, maxBufferedSpeech);
            } catch (IllegalArgumentException e) {
                // The cross-field check names the other setting as a property too (PropertyBindingFuzzTest).
                throw new IllegalArgumentException(e.getMessage().replaceFirst("^VAD ", "openrtc.voice.vad.")
                        .replace("at most activation-threshold", "at most openrtc.voice.vad.activation-threshold"));
            }
        }
    }

    /**
     * Speech-to-text requests.
     *
     * @param timeout The longest one transcription may take; past it the utterance is dropped and
     *                the failure reported
     */
    public record Stt(@DefaultValue("15s") Duration timeout) {
    }

    /**
     * Text-to-speech requests.
     *
     * @param timeout   The longest a synthesis may take to deliver its first audio, and each gap
     *                  between pieces of audio after it
     * @param streaming Whether to use the model's streaming call, so a sentence starts playing
     *                  before its audio is complete
     */
    public record Tts(@DefaultValue("10s") Duration timeout, @DefaultValue("true") boolean streaming) {
    }

    /**
     * When the user's speech stops the agent (LiveKit's defaults), with a profile for while the
     * agent speaks and one for while it thinks. A profile's setting, when set, wins over the
     * shared one of the same name, which wins over the default (docs/voice.md has the table).
     *
     * @param enabled                  Whether the user may interrupt the agent at all
     * @param minDuration              How long the user must have spoken, in both states (500ms)
     * @param minWords                 How many words the user must have said, in both states (0: one is enough)
     * @param falseInterruptionTimeout After speech that held the agent, how long to wait for
     *                                 words; none means it was no interruption (a cough, an "um")
     * @param resumeFalseInterruption  Whether the agent then goes on where it stopped
     * @param fillerWords              Words that do not count as words, in both states; said while
     *                                 the agent speaks they are a backchannel and make no turn
     * @param speaking                 While the agent's audio plays: overrides of the above
     * @param thinking                 While a reply is under way and not yet audible: overrides of the above
     */
    public record Interruption(@DefaultValue("true") boolean enabled, @DefaultValue("500ms") Duration minDuration,
                               @DefaultValue("0") int minWords, @DefaultValue("2s") Duration falseInterruptionTimeout,
                               @DefaultValue("true") boolean resumeFalseInterruption, List<String> fillerWords,
                               @DefaultValue Profile speaking, @DefaultValue Profile thinking) {

        public Interruption {
            fillerWords = fillerWords == null ? InterruptionOptions.ENGLISH_FILLERS : List.copyOf(fillerWords);
            speaking = speaking == null ? new Profile(null, null, null) : speaking;
            thinking = thinking == null ? new Profile(null, null, null) : thinking;
        }

        InterruptionOptions toOptions() {
            return new InterruptionOptions(enabled, speaking.over(this, "speaking"), thinking.over(this, "thinking"),
                    falseInterruptionTimeout, resumeFalseInterruption);
        }
    }

    /**
     * One state's interruption thresholds; each unset one takes the shared setting.
     *
     * @param minDuration How long the user must have spoken in this state
     * @param minWords    How many words the user must have said in this state
     * @param fillerWords Words that do not count as words in this state
     */
    public record Profile(Duration minDuration, Integer minWords, List<String> fillerWords) {

        /**
         * This profile over the shared settings. A bad value is reported under the property it came
         * from, the profile's own ({@code openrtc.voice.interruption.thinking.min-words}) or the
         * shared one it took (found by PropertyBindingFuzzTest: a profile's negative min-words was
         * reported as {@code openrtc.voice.interruption min-words}, without the profile).
         */
        InterruptionOptions.Profile over(Interruption shared, String state) {
            String prefix = "openrtc.voice.interruption.";
            Duration duration = minDuration != null ? minDuration : shared.minDuration();
            String durationProperty = prefix + (minDuration != null ? state + "." : "") + "min-duration";
            if (duration == null || duration.isNegative()) {
                throw new IllegalArgumentException(durationProperty + " must be set and not negative, was " + duration);
            }
            int words = minWords != null ? minWords : shared.minWords();
            if (words < 0) {
                throw new IllegalArgumentException(prefix + (minWords != null ? state + "." : "") + "min-words must not be negative, was "
                        + words);
            }
            return new InterruptionOptions.Profile(duration, words, fillerWords != null ? fillerWords : shared.fillerWords());
        }
    }

    /**
     * The conversation with the language model.
     *
     * @param timeout      The longest the model may take to begin its answer, and each gap in it
     * @param maxToolSteps How many rounds of tool calls one reply may take
     * @param toolTimeout  The longest one tool may run; past it the model is told it timed out
     */
    public record Llm(@DefaultValue("15s") Duration timeout, @DefaultValue("5") int maxToolSteps,
                      @DefaultValue("10s") Duration toolTimeout) {
    }

    /**
     * The user who stops talking.
     *
     * @param timeout    After this long with nobody speaking, the user counts as away; 0 never
     * @param prompt     What the agent says the first time; empty to say nothing
     * @param endSession Whether the session ends when the user is still away after the prompt
     */
    public record UserAway(@DefaultValue("15s") Duration timeout, @DefaultValue("Are you still there?") String prompt,
                           @DefaultValue("true") boolean endSession) {
    }

    /** What a new agent gets of the conversation at a handoff. */
    public enum HandoffHistory {
        /** All of it. */
        KEEP,
        /** A summary its model writes. */
        SUMMARY,
        /** Nothing. */
        NONE
    }

    /** What a failed provider call does to the session. */
    public enum ProviderErrors {
        /** Report it and go on listening. */
        CONTINUE,
        /** Report it and end the session. */
        END_SESSION;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
}
