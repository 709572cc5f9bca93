package io.openrtc.agent;

import java.util.Map;
import java.util.Objects;

/**
 * What LiveKit says about a job, as plain values (no protobuf types), so it can be routed,
 * logged, snapshotted and handed to a child JVM.
 *
 * @param jobId              LiveKit's job id ({@code AJ_...})
 * @param dispatchId         the dispatch that created the job ({@code AD_...}), or empty
 * @param type               the job type
 * @param dispatchAgentName  the agent name the job was dispatched to (the worker's registration
 *                           name; empty for automatic dispatch). Not necessarily the agent
 *                           that serves it: routing decides that
 * @param jobMetadata        the dispatch metadata, free-form (often JSON), possibly empty
 * @param roomName           the room's name
 * @param roomSid            the room's sid ({@code RM_...}), possibly empty
 * @param roomMetadata       the room's metadata, possibly empty
 * @param participantIdentity the participant the job is about (PUBLISHER and PARTICIPANT jobs),
 *                           else empty
 * @param participantAttributes that participant's attributes, else empty
 */
public record JobInfo(
        String jobId,
        String dispatchId,
        JobType type,
        String dispatchAgentName,
        String jobMetadata,
        String roomName,
        String roomSid,
        String roomMetadata,
        String participantIdentity,
        Map<String, String> participantAttributes) {

    public JobInfo {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(type, "type");
        dispatchId = Objects.requireNonNullElse(dispatchId, "");
        dispatchAgentName = Objects.requireNonNullElse(dispatchAgentName, "");
        jobMetadata = Objects.requireNonNullElse(jobMetadata, "");
        roomName = Objects.requireNonNullElse(roomName, "");
        roomSid = Objects.requireNonNullElse(roomSid, "");
        roomMetadata = Objects.requireNonNullElse(roomMetadata, "");
        participantIdentity = Objects.requireNonNullElse(participantIdentity, "");
        participantAttributes = participantAttributes == null ? Map.of() : Map.copyOf(participantAttributes);
    }

    /** A ROOM job with only the fields tests and routing usually need. */
    public static JobInfo forRoom(String jobId, String roomName, String roomMetadata, String jobMetadata) {
        return new JobInfo(jobId, "", JobType.ROOM, "", jobMetadata, roomName, "", roomMetadata, "", Map.of());
    }
}
