package io.openrtc.observe;

import java.time.Duration;

/**
 * One agent's voice, since the worker started: how many turns it answered, how fast on average,
 * how often it was interrupted, its tool calls and provider errors, and its last turn.
 *
 * @param turns               turns answered (spoken and typed)
 * @param interruptions       times the user stopped the agent
 * @param falseInterruptions  times speech paused the agent but brought no words
 * @param toolCalls           tools run
 * @param toolFailures        of which failed
 * @param providerErrors      provider failures (speech-to-text, the model, text-to-speech)
 * @param droppedTurns        user words that got no answer, with a reason (a backchannel, a newer turn, a failure)
 * @param stateRepairs        times a stuck "speaking" state had to be repaired (0 unless something is wrong)
 * @param meanResponse        the mean end of speech to first audio, or null before any
 * @param meanTranscription   the mean speech-to-text latency, or null
 * @param meanLlmFirstToken   the mean time to the model's first token, or null
 * @param meanTtsFirstByte    the mean time to the first synthesised audio, or null
 * @param meanFramework       the mean framework share of the response, or null
 * @param lastTurn            the last turn's figures, or null before any
 */
public record AgentVoiceSnapshot(long turns, long interruptions, long falseInterruptions, long toolCalls, long toolFailures,
                                 long providerErrors, long droppedTurns, long stateRepairs, Duration meanResponse, Duration meanTranscription,
                                 Duration meanLlmFirstToken, Duration meanTtsFirstByte, Duration meanFramework,
                                 VoiceMetric.Turn lastTurn) {

    /** Nothing yet. */
    public static final AgentVoiceSnapshot NONE = new AgentVoiceSnapshot(0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null, null, null);
}
