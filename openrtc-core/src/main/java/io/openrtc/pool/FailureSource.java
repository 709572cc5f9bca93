package io.openrtc.pool;

import io.openrtc.agent.SessionOutcome;

/**
 * Whose fault a {@link SessionOutcome.Failed failed} session is. The supervisor counts each kind
 * apart: a run of failures of one agent takes that agent out of service, a run of failures of the
 * worker itself marks the worker broken, and failures of the infrastructure count for nobody.
 */
public enum FailureSource {

    /**
     * The agent's own code, or something only it depends on (its model provider, its database):
     * the agent threw. Counts toward that agent's {@code openrtc.consecutive-failure-limit}.
     */
    AGENT,

    /**
     * The room or the LiveKit server went away under the session (the connection was lost and
     * could not be resumed, the join was refused or timed out). Says nothing about the agent or
     * the worker, and a restarted worker would meet the same server: counted for neither.
     */
    INFRASTRUCTURE,

    /**
     * The worker could not run the session: its child JVM did not start or crashed, the WebRTC
     * runtime failed, the JVM ran out of memory. Counts toward the worker's
     * {@code openrtc.consecutive-failure-limit}, after which it is broken and replaced.
     */
    WORKER;

    private static final int MAX_DEPTH = 16;

    /**
     * The source of {@code error}: the first {@link SessionFailureException} (or source carried
     * back from a child JVM) in its cause chain decides; otherwise a failed child process or a
     * {@link VirtualMachineError} is the worker's, and anything else the agent's.
     */
    public static FailureSource of(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < MAX_DEPTH; t = t.getCause() == t ? null : t.getCause(), depth++) {
            switch (t) {
                case SessionFailureException marked -> {
                    return marked.source();
                }
                case RemoteSessionException remote -> {
                    return remote.source();
                }
                case SessionProcessException process -> {
                    return process.source();
                }
                case VirtualMachineError vm -> {
                    return WORKER;
                }
                default -> {
                }
            }
        }
        return AGENT;
    }

    /** Lower-case, for logs and tags: {@code agent}, {@code infrastructure}, {@code worker}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
