package io.openrtc.worker;

/**
 * An accepted job's reserved session slot, bound to the agent that will serve it. Exactly one
 * of {@link #launch} or {@link #release} is called, once.
 */
public interface JobClaim {

    /** The agent that will serve the job. */
    String agentName();

    /** The tenant the job belongs to. */
    default String tenant() {
        return io.openrtc.tenant.Tenants.DEFAULT;
    }

    /** Who the agent's participant will be in the room (sent in the availability answer). */
    ParticipantSpec participant();

    /**
     * Starts the session for the assignment LiveKit sent. Returns at once; the session runs on
     * its own thread or process. Never throws: a session that cannot start completes its
     * handle's outcome as failed.
     */
    SessionHandle launch(JobAssignment assignment);

    /** Gives the slot back: the assignment never came, or the worker is shutting down. */
    void release();
}
