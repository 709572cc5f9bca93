package io.openrtc.observe;

import java.time.Duration;
import java.util.Objects;

/**
 * What a session's voice measured, reported to the pool ({@link OpenRtcEvent.VoiceMeasured}) from
 * whichever JVM runs the session: meters, the snapshot and observers read these.
 */
public sealed interface VoiceMetric {

    /**
     * One answered turn. A duration that was not measured (a typed turn has no speech to
     * transcribe; an answer that was never heard has no response latency) is {@code null}.
     *
     * @param typed            whether the turn was typed rather than spoken
     * @param endOfUtterance   from the end of the user's speech to the turn's commit
     * @param transcription    the speech-to-text request of the turn's last utterance
     * @param llmFirstToken    from the request to the model's first text
     * @param ttsFirstByte     from the first sentence's synthesis request to its first audio
     * @param response         from the end of the user's speech to the answer's first audio frame
     *                         sent (for a typed turn: from its arrival)
     * @param framework        {@code response} less the providers' shares (transcription, first
     *                         token, first byte): the framework's own part, which includes the
     *                         VAD's minimum silence
     * @param interrupted      whether the user cut the answer off
     * @param promptTokens     the model's prompt tokens for the answer (all its requests)
     * @param completionTokens the model's completion tokens
     * @param ttsCharacters    characters sent to text-to-speech
     * @param sttAudio         audio sent to speech-to-text for the turn
     */
    record Turn(boolean typed, Duration endOfUtterance, Duration transcription, Duration llmFirstToken, Duration ttsFirstByte,
                Duration response, Duration framework, boolean interrupted, long promptTokens, long completionTokens,
                long ttsCharacters, Duration sttAudio) implements VoiceMetric {
    }

    /** The user stopped the agent ({@code real}), or speech paused it and brought no words (false). */
    record Interruption(boolean real) implements VoiceMetric {
    }

    /** A tool ran. */
    record ToolCall(String tool, boolean failed, Duration took) implements VoiceMetric {
        public ToolCall {
            Objects.requireNonNull(tool, "tool");
            Objects.requireNonNull(took, "took");
        }
    }

    /** A provider failed at a step ({@code STT}, {@code LLM}, {@code TTS}). */
    record ProviderError(String provider, String step) implements VoiceMetric {
        public ProviderError {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(step, "step");
        }
    }

    /** A user's words got no answer, for {@code reason} (a {@link io.openrtc.voice.TurnDropReason} tag). */
    record TurnDropped(String reason) implements VoiceMetric {
        public TurnDropped {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The state said {@code from} while no agent audio left for {@code silentFor}, and was repaired. */
    record StateRepaired(String from, Duration silentFor) implements VoiceMetric {
        public StateRepaired {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(silentFor, "silentFor");
        }
    }
}
