package io.openrtc.worker;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.JobType;
import livekit.LivekitAgent;

/** Converts between LiveKit's protobuf job types and ours. */
final class ProtoJobs {

    private ProtoJobs() {
    }

    static JobInfo toJobInfo(LivekitAgent.Job job) {
        boolean hasParticipant = job.hasParticipant();
        return new JobInfo(
                job.getId(),
                job.getDispatchId(),
                fromProto(job.getType()),
                job.getAgentName(),
                job.getMetadata(),
                job.getRoom().getName(),
                job.getRoom().getSid(),
                job.getRoom().getMetadata(),
                hasParticipant ? job.getParticipant().getIdentity() : "",
                hasParticipant ? job.getParticipant().getAttributesMap() : null);
    }

    static LivekitAgent.JobType toProto(JobType type) {
        return switch (type) {
            case ROOM -> LivekitAgent.JobType.JT_ROOM;
            case PUBLISHER -> LivekitAgent.JobType.JT_PUBLISHER;
            case PARTICIPANT -> LivekitAgent.JobType.JT_PARTICIPANT;
        };
    }

    /** Unknown (newer) values read as ROOM, the type that needs no participant. */
    static JobType fromProto(LivekitAgent.JobType type) {
        return switch (type) {
            case JT_PUBLISHER -> JobType.PUBLISHER;
            case JT_PARTICIPANT -> JobType.PARTICIPANT;
            default -> JobType.ROOM;
        };
    }
}
