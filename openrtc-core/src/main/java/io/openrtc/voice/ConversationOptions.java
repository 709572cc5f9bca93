package io.openrtc.voice;

import java.time.Duration;
import java.util.Objects;

/**
 * How the conversation with the language model runs.
 *
 * @param llmTimeout      the longest the model may take to begin its answer, and each gap in it
 * @param maxToolSteps    how many rounds of tool calls one reply may take before the agent gives up
 * @param toolTimeout     the longest one tool may run
 * @param apology         what the agent says when it cannot answer (the model failed or timed out,
 *                        tools kept failing)
 * @param userAwayTimeout after this long with nobody speaking, the user counts as away (LiveKit's
 *                        15 s); zero never
 * @param userAwayPrompt  what the agent says the first time the user is away; empty to say nothing
 * @param endWhenUserAway end the session when the user is away again after the prompt
 * @param handoffHistory  what a new agent gets of the conversation at a handoff
 */
public record ConversationOptions(Duration llmTimeout, int maxToolSteps, Duration toolTimeout, String apology,
                                  Duration userAwayTimeout, String userAwayPrompt, boolean endWhenUserAway,
                                  HandoffHistory handoffHistory) {

    /** What a new agent gets of the conversation at a handoff. */
    public enum HandoffHistory {
        /** Everything said so far. */
        KEEP,
        /** A summary of it, written by the new agent's model. */
        SUMMARY,
        /** Nothing: it starts afresh. */
        NONE
    }

    /** The defaults. */
    public static final ConversationOptions DEFAULTS = new ConversationOptions(Duration.ofSeconds(15), 5, Duration.ofSeconds(10),
            "Sorry, something went wrong on my side. Could you say that again?", Duration.ofSeconds(15),
            "Are you still there?", true, HandoffHistory.KEEP);

    public ConversationOptions {
        Objects.requireNonNull(llmTimeout, "llmTimeout");
        Objects.requireNonNull(toolTimeout, "toolTimeout");
        Objects.requireNonNull(userAwayTimeout, "userAwayTimeout");
        Objects.requireNonNull(handoffHistory, "handoffHistory");
        apology = Objects.requireNonNullElse(apology, "");
        userAwayPrompt = Objects.requireNonNullElse(userAwayPrompt, "");
        if (!llmTimeout.isPositive()) {
            throw new IllegalArgumentException("voice llm.timeout must be positive, was " + llmTimeout);
        }
        if (maxToolSteps < 1) {
            throw new IllegalArgumentException("voice llm.max-tool-steps must be at least 1, was " + maxToolSteps);
        }
        if (!toolTimeout.isPositive()) {
            throw new IllegalArgumentException("voice llm.tool-timeout must be positive, was " + toolTimeout);
        }
        if (userAwayTimeout.isNegative()) {
            throw new IllegalArgumentException("voice user-away.timeout must not be negative, was " + userAwayTimeout);
        }
    }
}
