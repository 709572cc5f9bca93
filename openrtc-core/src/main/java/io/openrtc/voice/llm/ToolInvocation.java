package io.openrtc.voice.llm;

import io.openrtc.agent.AgentSession;

/**
 * The context of one tool call: the session it runs in (its job, room, caller) and the way to
 * hand the session to another agent.
 */
public interface ToolInvocation {

    /** The session the tool runs in. */
    AgentSession session();

    /** The call being answered. */
    ToolCall call();

    /** The identity of the participant the agent is talking to, or empty. */
    String participantIdentity();

    /**
     * Hands the session to another registered voice agent once the tools of this step have run:
     * its instructions, tools, language model and voice take over, with the conversation so far.
     *
     * @throws IllegalArgumentException when no voice agent of that name is registered
     */
    void handoff(String agentName);
}
