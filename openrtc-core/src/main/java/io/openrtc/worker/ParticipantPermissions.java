package io.openrtc.worker;

import livekit.LivekitModels.ParticipantPermission;

/**
 * What the agent participants of this worker may do in their rooms. Sent once at registration;
 * LiveKit copies it into every job token it mints for this worker.
 *
 * @param canSubscribe      subscribe to other participants' tracks
 * @param canPublish        publish tracks (audio)
 * @param canPublishData    send data packets, text streams and RPC
 * @param canUpdateMetadata update its own metadata and attributes
 * @param hidden            invisible to other participants
 */
public record ParticipantPermissions(
        boolean canSubscribe, boolean canPublish, boolean canPublishData, boolean canUpdateMetadata, boolean hidden) {

    /** Subscribe, publish, publish data and update metadata; not hidden (what the reference SDKs send). */
    public static final ParticipantPermissions DEFAULT = new ParticipantPermissions(true, true, true, true, false);

    ParticipantPermission toProto() {
        return ParticipantPermission.newBuilder()
                .setCanSubscribe(canSubscribe)
                .setCanPublish(canPublish)
                .setCanPublishData(canPublishData)
                .setCanUpdateMetadata(canUpdateMetadata)
                .setHidden(hidden)
                .setAgent(true)
                .build();
    }
}
