package io.openrtc.voice.llm;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** One item of a conversation's history, as the language model sees it. */
public sealed interface ChatItem {

    /** When it was added. */
    Instant at();

    /** The agent's instructions (the system message). */
    record Instructions(Instant at, String text) implements ChatItem {
        public Instructions {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * What the user said or typed.
     *
     * @param participantIdentity who
     * @param typed               whether it was typed in the chat rather than spoken
     */
    record User(Instant at, String text, String participantIdentity, boolean typed) implements ChatItem {
        public User {
            Objects.requireNonNull(text, "text");
            participantIdentity = Objects.requireNonNullElse(participantIdentity, "");
        }
    }

    /**
     * What the agent said: only what the user actually heard when it was interrupted, and the tool
     * calls it made.
     *
     * @param agentName   which agent said it (it changes at a handoff)
     * @param interrupted whether the user cut it off
     * @param toolCalls   the tools it called after (or instead of) speaking
     */
    record Assistant(Instant at, String text, String agentName, boolean interrupted, List<ToolCall> toolCalls)
            implements ChatItem {
        public Assistant {
            Objects.requireNonNull(text, "text");
            agentName = Objects.requireNonNullElse(agentName, "");
            toolCalls = List.copyOf(toolCalls);
        }
    }

    /**
     * What a tool returned (or why it failed).
     *
     * @param callId the call it answers
     * @param failed whether the tool threw; {@code result} then says why, for the model
     */
    record ToolResult(Instant at, String callId, String toolName, String result, boolean failed) implements ChatItem {
        public ToolResult {
            Objects.requireNonNull(callId, "callId");
            Objects.requireNonNull(toolName, "toolName");
            Objects.requireNonNull(result, "result");
        }
    }

    /** The session passed from one agent to another. */
    record Handoff(Instant at, String fromAgent, String toAgent) implements ChatItem {
    }
}
