package io.openrtc.pool;

/**
 * What one session does, the same in both isolation modes. The pool knows nothing about rooms
 * or agents: the runtime implements this as "join the room, build the agent session, run the
 * agent, leave"; tests use lambdas.
 *
 * <p>Runs on the session's own virtual thread, either in the worker JVM or in a child JVM.
 * Blocking is fine. Answer interruption (and {@link SessionControl#isCancelled()}) by returning.
 */
@FunctionalInterface
public interface SessionBody {

    /**
     * Runs one session to its end.
     *
     * @param request the job, its assignment and the agent that serves it
     * @param control signal "running", observe cancellation, reach the JVM's shared resources
     * @throws Exception any failure: the session ends as failed, and nothing else is affected
     */
    void run(SessionRequest request, SessionControl control) throws Exception;
}
