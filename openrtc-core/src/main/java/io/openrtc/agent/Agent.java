package io.openrtc.agent;

/**
 * An agent: the code that runs one session of a LiveKit job.
 *
 * <p>{@link #run} is straight-line blocking code on the session's own (virtual) thread. The
 * session's room is already joined when it is called; the session ends when it returns (or
 * throws), when the room closes, or when the worker drains past its timeout, in which case the
 * thread is interrupted. Blocking calls such as {@code Thread.sleep}, socket reads or the room's
 * streams are cheap on a virtual thread; answer interruption by returning.
 *
 * <p>A singleton agent is shared by all its concurrent sessions and must keep per-session state
 * in local variables or on the {@link AgentSession}; an agent provided per session (a Spring
 * prototype bean, or {@link AgentProvider#perSession}) may keep it in fields.
 */
@FunctionalInterface
public interface Agent {

    /**
     * Runs one session to its end.
     *
     * @param session the job, the joined room and the session's controls
     * @throws Exception any failure; it ends the session as {@link SessionOutcome.Failed} and
     *                   never affects other sessions
     */
    void run(AgentSession session) throws Exception;
}
