package io.openrtc.spring.ai;

import io.openrtc.agent.AgentSession;
import io.openrtc.voice.llm.ToolInvocation;
import org.springframework.ai.chat.model.ToolContext;

/**
 * What a Spring AI tool of a voice agent can read from its {@link ToolContext}: the session (job,
 * room, caller, tenant) and the way to hand the session to another agent.
 *
 * <pre>{@code
 * @Tool(description = "Transfer the caller to the dental office")
 * String transferToDental(ToolContext context) {
 *     OpenRtcToolContext.handoff(context, "dental");
 *     return "Transferring you to the dental office.";
 * }
 * }</pre>
 */
public final class OpenRtcToolContext {

    /** The key under which the tool context holds the {@link ToolInvocation}. */
    public static final String KEY = "openrtc.invocation";

    private OpenRtcToolContext() {
    }

    /** The tool call's invocation: the session, the call, the caller, handoffs. */
    public static ToolInvocation invocation(ToolContext context) {
        Object value = context == null ? null : context.getContext().get(KEY);
        if (value instanceof ToolInvocation invocation) {
            return invocation;
        }
        throw new IllegalStateException("This tool was not called by an OpenRTC voice agent (no " + KEY + " in its ToolContext)");
    }

    /** The session the tool runs in. */
    public static AgentSession session(ToolContext context) {
        return invocation(context).session();
    }

    /**
     * The tenant (customer) of the session the tool runs in, shortcut for
     * {@code session(context).tenant()}: a tool that books, bills or looks up on the caller's behalf
     * uses it to reach the right customer's data.
     */
    public static String tenant(ToolContext context) {
        return session(context).tenant();
    }

    /** The identity of the participant the agent talks to. */
    public static String caller(ToolContext context) {
        return invocation(context).participantIdentity();
    }

    /** Hands the session to another registered voice agent once this step's tools have run. */
    public static void handoff(ToolContext context, String agentName) {
        invocation(context).handoff(agentName);
    }
}
