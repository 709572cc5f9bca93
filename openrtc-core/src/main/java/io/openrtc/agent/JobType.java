package io.openrtc.agent;

/** What a LiveKit job is for; one worker registration serves one type. */
public enum JobType {
    /** One job per room (LiveKit's {@code JT_ROOM}); the default. */
    ROOM,
    /** One job per participant that publishes its first track ({@code JT_PUBLISHER}). */
    PUBLISHER,
    /** One job per participant that joins ({@code JT_PARTICIPANT}). */
    PARTICIPANT
}
