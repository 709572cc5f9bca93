package io.openrtc.runtime;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.pool.FailureSource;
import io.openrtc.pool.SessionBody;
import io.openrtc.pool.SessionControl;
import io.openrtc.pool.SessionFailureException;
import io.openrtc.pool.SessionRequest;
import io.openrtc.rtc.CloseReason;
import io.openrtc.rtc.JoinStep;
import io.openrtc.rtc.Room;
import io.openrtc.rtc.RoomClosedException;
import io.openrtc.rtc.RoomConnector;
import io.openrtc.rtc.RoomJoinException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * What every session does, in either isolation mode: join the room with the job's token, run the
 * agent that routing chose, run its shutdown callbacks, leave.
 *
 * <p>Outcomes: the agent returning, {@link io.openrtc.agent.AgentSession#end()}, or the room
 * ending normally (deleted, participant removed, server leave) is a success; the agent throwing,
 * the join failing, or the room connection being lost is a failure; the pool cancelling the
 * session (drain timeout, job termination) is a cancellation.
 *
 * <p>Failures say whose fault they are, for the supervisor ({@link FailureSource}): what the
 * agent's code throws is the agent's; a join the server refused or did not answer, and a room
 * connection lost for good, are the infrastructure's; a WebRTC runtime that fails (a local
 * negotiation failure, the runtime closed under the session) or an agent this JVM does not know
 * is the worker's.
 */
final class AgentSessionBody implements SessionBody {

    private final AgentRegistry agents;
    private final Function<SessionControl, RoomConnector> connectors;
    private final Function<SessionControl, SessionVoice.Factory> voices;

    /**
     * @param agents     the registered agents
     * @param connectors gives the room connector for a session (it may come from the JVM's shared
     *                   resources); null when sessions run without a room
     * @param voices     gives what a session's voice starts from (the JVM's shared voice
     *                   runtime); null when no voice is configured
     */
    AgentSessionBody(AgentRegistry agents, Function<SessionControl, RoomConnector> connectors,
            Function<SessionControl, SessionVoice.Factory> voices) {
        this.agents = Objects.requireNonNull(agents, "agents");
        this.connectors = connectors;
        this.voices = voices;
    }

    @Override
    public void run(SessionRequest request, SessionControl control) throws Exception {
        JobInfo job = request.job();
        AgentRegistration registration = agents.find(request.agentName()).orElseThrow(() -> new SessionFailureException(
                FailureSource.WORKER, "No agent named '" + request.agentName() + "' is registered in this JVM; registered: "
                        + agents.names(), null));
        Agent agent = registration.provider().agentFor(job);

        Room room = connectors == null ? null : join(connectors.apply(control), request);
        if (room != null) {
            // A session that ignores its cancel is given up with its thread still running: its room
            // (peer connections, native threads, the participant in LiveKit) must not stay with it.
            control.onAbandon(room::close);
        }
        DefaultAgentSession session = new DefaultAgentSession(job, registration.name(), request.tenant(),
                registration.settings(), room, Instant.now(), Thread.currentThread(),
                room == null || voices == null ? null : voices.apply(control));
        SessionOutcome provisional = null;
        try {
            if (room != null) {
                room.closed().thenAccept(session::roomClosed);
            }
            control.running();
            provisional = runAgent(agent, session, room, control);
        } finally {
            Instant now = Instant.now();
            SessionOutcome ending = provisional != null ? provisional
                    : control.isCancelled() ? new SessionOutcome.Cancelled(control.cancelReason().orElse("cancelled"), session.startedAt(), now)
                    : null;
            session.runShutdownCallbacks(ending != null ? ending
                    : new SessionOutcome.Failed(new IllegalStateException("the session failed"), session.startedAt(), now));
            session.closeVoice();
            if (room != null) {
                if (ending != null) {
                    // Before leaving: LiveKit records a job whose agent leaves first as failed. (A
                    // failure is left to the pool, which reports it with its real error.)
                    control.ending(ending);
                }
                room.close();
            }
        }
    }

    private static Room join(RoomConnector connector, SessionRequest request) throws SessionFailureException,
            InterruptedException {
        try {
            return connector.connect(request.assignment().serverUrl(), request.assignment().token());
        } catch (RoomJoinException e) {
            // Building the peer connections is this JVM's WebRTC stack; every other step waits on
            // the server (or the network to it).
            FailureSource source = e.step() == JoinStep.NEGOTIATION ? FailureSource.WORKER : FailureSource.INFRASTRUCTURE;
            throw new SessionFailureException(source, "joining room '" + request.job().roomName() + "' failed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Runs the agent's code and returns the outcome it implies, or throws what should fail or
     * cancel the session.
     */
    private static SessionOutcome runAgent(Agent agent, DefaultAgentSession session, Room room, SessionControl control)
            throws Exception {
        session.agentRunning(true);
        try {
            agent.run(session);
        } catch (InterruptedException | RoomClosedException e) {
            if (control.isCancelled()) {
                throw e;
            }
            Optional<CloseReason> closed = roomCloseReason(session, room).or(() -> endedByServer(e));
            if (closed.isPresent() && !closed.get().isNormal()) {
                throw new SessionRoomLostException(closed.get(), e);
            }
            if (!session.isEnding() && closed.isEmpty()) {
                throw e;
            }
            // Ended on purpose (end(), or the room ended normally): a success.
        } finally {
            session.agentRunning(false);
            // end() may have interrupted the agent just as it returned; the cleanup must not inherit it.
            if (!control.isCancelled()) {
                Thread.interrupted();
            }
        }
        Optional<CloseReason> closed = roomCloseReason(session, room);
        if (closed.isPresent() && !closed.get().isNormal()) {
            throw new SessionRoomLostException(closed.get(), null);
        }
        return new SessionOutcome.Success(session.startedAt(), Instant.now());
    }

    /**
     * Why the session's room closed, if it did. The room's own reason counts too: an agent
     * writing audio can hear of the close (a {@link RoomClosedException}) before the session's
     * close callback has run, and a room deleted under it must still end the session as a
     * success, not as the agent's failure.
     */
    private static Optional<CloseReason> roomCloseReason(DefaultAgentSession session, Room room) {
        return session.roomCloseReason().or(() -> room == null ? Optional.empty() : room.closeReason());
    }

    /**
     * The server's normal end of the room (deleted, this participant removed, told to leave) that
     * a track operation reported while the room was still closing; nothing for any other reason
     * (the agent's own unpublish or close stays the agent's doing).
     */
    private static Optional<CloseReason> endedByServer(Exception e) {
        if (e instanceof RoomClosedException closed && closed.reason().isNormal()
                && closed.reason().cause() != CloseReason.Cause.CLIENT_LEFT) {
            return Optional.of(closed.reason());
        }
        return Optional.empty();
    }

    /**
     * The room connection ended abnormally under a running session: the infrastructure's fault,
     * unless the JVM's own WebRTC runtime closed under it.
     */
    static final class SessionRoomLostException extends SessionFailureException {
        private static final long serialVersionUID = 1L;

        SessionRoomLostException(CloseReason reason, Throwable cause) {
            super(reason.cause() == CloseReason.Cause.RUNTIME_CLOSED ? FailureSource.WORKER : FailureSource.INFRASTRUCTURE,
                    "the room connection ended: " + reason, cause);
        }
    }
}
