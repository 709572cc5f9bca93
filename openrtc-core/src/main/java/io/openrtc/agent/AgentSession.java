package io.openrtc.agent;

import io.openrtc.rtc.Room;
import io.openrtc.voice.Voice;
import java.time.Instant;

/**
 * One running session of an agent: the job it serves, the room it has joined, and the controls
 * to end it. Handed to {@link Agent#run}; valid until that call returns.
 */
public interface AgentSession {

    /** The job this session serves. */
    JobInfo job();

    /** The name of the agent that serves it (decided by routing). */
    String agentName();

    /** This agent's settings (greeting and so on). */
    AgentSettings settings();

    /**
     * The tenant (customer) the job belongs to: {@code tenant} in the job's metadata, else in the
     * room's, else {@code default}, unless the application's {@code TenantResolver} decided
     * otherwise. Decided when LiveKit offered the job, so it is the one the tenant's caps,
     * breaker and providers were chosen by.
     */
    default String tenant() {
        return io.openrtc.tenant.Tenants.DEFAULT;
    }

    /** The job's dispatch metadata, shortcut for {@code job().jobMetadata()}. */
    default String metadata() {
        return job().jobMetadata();
    }

    /** The room's name, shortcut for {@code job().roomName()}. */
    default String roomName() {
        return job().roomName();
    }

    /**
     * The room, already joined as this session's participant.
     *
     * @throws IllegalStateException when the session was started without a room connection
     *                               (sessions of the stub benchmarks and of some tests)
     */
    Room room();

    /**
     * The session's voice: listening (VAD, speech-to-text, turns) and speaking (text-to-speech),
     * with LiveKit's agent states and transcripts. Started on first use (it publishes the agent's
     * audio track and links the participant to listen to) and stopped when the session ends.
     *
     * @throws IllegalStateException when the session has no room, or no voice is configured for
     *                               this agent (no speech-to-text and no text-to-speech provider):
     *                               the message says what to configure
     */
    Voice voice();

    /** When the session started. */
    Instant startedAt();

    /**
     * Asks the session to end: the agent's thread is interrupted and blocking room reads return.
     * Safe to call from any thread, any number of times. The outcome is
     * {@link SessionOutcome.Success} unless the agent throws something else than the interrupt.
     */
    void end();

    /** Whether {@link #end()} was called or the room is closing. */
    boolean isEnding();

    /**
     * Runs {@code callback} when the session ends, in the reverse order of registration, after
     * the agent returned and before the room is left. A throwing callback is logged and the
     * others still run.
     */
    void addShutdownCallback(ShutdownCallback callback);

    /** Work to do when a session ends. */
    @FunctionalInterface
    interface ShutdownCallback {
        /** Runs once; {@code outcome} is how the agent's code ended. */
        void onShutdown(SessionOutcome outcome) throws Exception;
    }
}
