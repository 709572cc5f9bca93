package io.openrtc.voice;

import io.openrtc.rtc.AgentState;
import io.openrtc.voice.llm.ChatItem;
import java.time.Duration;
import java.time.Instant;

/**
 * What a session's voice pipeline reports as it listens and speaks. Listeners
 * ({@link Voice#addListener}) get every event in order, on a thread of the pipeline's own.
 */
public sealed interface VoiceEvent {

    /** When it happened. */
    Instant at();

    /** The pipeline now listens to this participant's audio (on {@code trackSid}). */
    record ParticipantLinked(Instant at, String participantIdentity, String trackSid) implements VoiceEvent {
    }

    /** The user began speaking ({@code speechStart}: when their speech began). */
    record UserSpeechStarted(Instant at, String participantIdentity, Instant speechStart) implements VoiceEvent {
    }

    /** The user stopped speaking (after the VAD's minimum silence). */
    record UserSpeechEnded(Instant at, String participantIdentity, Instant speechStart, Instant speechEnd)
            implements VoiceEvent {
    }

    /** Speech-to-text heard something: interim (may change) or final. */
    record UserTranscribed(Instant at, String participantIdentity, String segmentId, String text, boolean isFinal,
                           Duration latency) implements VoiceEvent {
    }

    /** The user's turn is complete and handed to the agent. */
    record UserTurnCommitted(Instant at, UserTurn turn) implements VoiceEvent {
    }

    /**
     * A user's words will get no answer, and why: every final transcript ends in a committed
     * turn or in this event, and every committed turn in {@link UserTurnAnswered} or this event.
     *
     * @param detail the reason in words, for logs
     */
    record UserTurnDropped(Instant at, String participantIdentity, String text, TurnDropReason reason, String detail)
            implements VoiceEvent {
    }

    /** The agent answered a committed turn ({@code spokenText}: what of the answer was heard, or written). */
    record UserTurnAnswered(Instant at, UserTurn turn, String spokenText, boolean interrupted) implements VoiceEvent {
    }

    /**
     * The state was repaired: it said {@code from} (speaking) while no agent audio had left for
     * {@code silentFor}; the stuck speech was stopped and the state recomputed.
     */
    record StateRepaired(Instant at, AgentState from, Duration silentFor) implements VoiceEvent {
    }

    /** The agent's audio for {@code text} began to play. */
    record AgentSpeechStarted(Instant at, String text) implements VoiceEvent {
    }

    /** The agent's speech is done: played out, interrupted, or failed. */
    record AgentSpeechEnded(Instant at, String text, String spokenText, boolean interrupted, Duration playedAudio,
                            boolean failed) implements VoiceEvent {
    }

    /** The agent's {@code lk.agent.state} changed. */
    record AgentStateChanged(Instant at, AgentState previous, AgentState state) implements VoiceEvent {
    }

    /**
     * A provider failed or timed out; the pipeline goes on (or ends the session, by
     * {@link VoiceOptions#providerErrors()}).
     */
    record ProviderFailed(Instant at, String provider, VoiceStep step, String message) implements VoiceEvent {
    }

    /** Something was added to the conversation's history. */
    record ConversationItemAdded(Instant at, ChatItem item) implements VoiceEvent {
    }

    /**
     * A tool ran.
     *
     * @param failed whether it threw, timed out or does not exist; {@code result} then says why
     */
    record ToolCalled(Instant at, String agentName, String tool, String arguments, boolean failed, String result,
                      Duration took) implements VoiceEvent {
    }

    /** The session passed from one agent to another. */
    record AgentHandoff(Instant at, String fromAgent, String toAgent) implements VoiceEvent {
    }

    /** The user's speech paused the agent: it may be an interruption; words will tell. */
    record AgentPaused(Instant at, String participantIdentity) implements VoiceEvent {
    }

    /** The user interrupted the agent: it stopped, and only {@code spokenText} was heard. */
    record AgentInterrupted(Instant at, String text, String spokenText) implements VoiceEvent {
    }

    /**
     * Speech paused the agent but brought no words in time (a cough, a "mhmm", noise): the agent
     * went on where it stopped ({@code resumed}) or, with resuming off, stopped.
     */
    record FalseInterruption(Instant at, boolean resumed) implements VoiceEvent {
    }

    /** One answered turn's timings and usage, as the meters get them. */
    record TurnMeasured(Instant at, String agentName, io.openrtc.observe.VoiceMetric.Turn metrics) implements VoiceEvent {
    }
}
