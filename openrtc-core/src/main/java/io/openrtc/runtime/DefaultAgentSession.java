package io.openrtc.runtime;

import io.openrtc.agent.AgentSession;
import io.openrtc.agent.AgentSettings;
import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.rtc.CloseReason;
import io.openrtc.rtc.Room;
import io.openrtc.tenant.Tenants;
import io.openrtc.voice.Voice;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link AgentSession} handed to an agent. Ending it (by {@link #end()} or because the room
 * closed) interrupts the agent's thread while the agent's code runs, so blocking calls return.
 */
final class DefaultAgentSession implements AgentSession {

    private static final Logger log = LoggerFactory.getLogger(DefaultAgentSession.class);

    private final JobInfo job;
    private final String agentName;
    private final String tenant;
    private final AgentSettings settings;
    private final Room room;
    private final Instant startedAt;
    private final Thread agentThread;
    private final List<ShutdownCallback> shutdownCallbacks = new ArrayList<>();
    private final SessionVoice voice;

    // Guarded by this.
    private boolean ending;
    private boolean agentRunning;
    private CloseReason roomCloseReason;

    DefaultAgentSession(JobInfo job, String agentName, AgentSettings settings, Room room, Instant startedAt, Thread agentThread) {
        this(job, agentName, Tenants.DEFAULT, settings, room, startedAt, agentThread, null);
    }

    DefaultAgentSession(JobInfo job, String agentName, String tenant, AgentSettings settings, Room room, Instant startedAt,
            Thread agentThread, SessionVoice.Factory voices) {
        this.job = Objects.requireNonNull(job, "job");
        this.agentName = Objects.requireNonNull(agentName, "agentName");
        this.tenant = Tenants.orDefault(tenant);
        this.settings = Objects.requireNonNull(settings, "settings");
        this.room = room;
        this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
        this.agentThread = Objects.requireNonNull(agentThread, "agentThread");
        this.voice = new SessionVoice(this, voices);
    }

    @Override
    public JobInfo job() {
        return job;
    }

    @Override
    public String agentName() {
        return agentName;
    }

    @Override
    public String tenant() {
        return tenant;
    }

    @Override
    public AgentSettings settings() {
        return settings;
    }

    @Override
    public Room room() {
        if (room == null) {
            throw new IllegalStateException("Session " + job.jobId() + " runs without a room connection "
                    + "(the runtime was built with joinRoom(false))");
        }
        return room;
    }

    @Override
    public Voice voice() {
        return voice.get();
    }

    /** Stops the voice, if it was started. */
    void closeVoice() {
        voice.close();
    }

    @Override
    public Instant startedAt() {
        return startedAt;
    }

    @Override
    public void end() {
        synchronized (this) {
            if (ending) {
                return;
            }
            ending = true;
            interruptAgentIfRunning();
        }
    }

    @Override
    public synchronized boolean isEnding() {
        return ending;
    }

    @Override
    public synchronized void addShutdownCallback(ShutdownCallback callback) {
        shutdownCallbacks.add(Objects.requireNonNull(callback, "callback"));
    }

    /** The room closed (deleted, participant removed, connection lost): the session ends. */
    synchronized void roomClosed(CloseReason reason) {
        roomCloseReason = reason;
        if (!ending) {
            ending = true;
            log.info("Session {} ({}): the room closed: {}", job.jobId(), agentName, reason);
            interruptAgentIfRunning();
        }
    }

    /** Why the room closed, if it closed before the session ended. */
    synchronized Optional<CloseReason> roomCloseReason() {
        return Optional.ofNullable(roomCloseReason);
    }

    /** Marks the span in which the agent's code runs: only then does ending interrupt its thread. */
    synchronized void agentRunning(boolean running) {
        agentRunning = running;
        if (running && ending) {
            // Ended (the room closed, most likely) before the agent's code began: its first
            // blocking call must return at once, as it would have had the end come a moment later.
            agentThread.interrupt();
        }
    }

    private void interruptAgentIfRunning() {
        if (agentRunning) {
            agentThread.interrupt();
        }
    }

    /** Runs the shutdown callbacks, newest first; a throwing one is logged and the rest still run. */
    void runShutdownCallbacks(SessionOutcome outcome) {
        List<ShutdownCallback> callbacks;
        synchronized (this) {
            callbacks = new ArrayList<>(shutdownCallbacks);
            shutdownCallbacks.clear();
        }
        for (int i = callbacks.size() - 1; i >= 0; i--) {
            try {
                callbacks.get(i).onShutdown(outcome);
            } catch (Exception e) {
                log.warn("A shutdown callback of session {} ({}) failed", job.jobId(), agentName, e);
            }
        }
    }

    @Override
    public String toString() {
        return "AgentSession[job=" + job.jobId() + ", agent=" + agentName + ", tenant=" + tenant + ", room=" + job.roomName() + "]";
    }
}
