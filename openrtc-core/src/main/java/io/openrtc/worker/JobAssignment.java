package io.openrtc.worker;

import io.openrtc.agent.JobInfo;
import java.net.URI;
import java.util.Objects;

/**
 * LiveKit's assignment of an accepted job: where to join and with which token.
 *
 * @param job                 the job
 * @param serverUrl           the LiveKit URL to join (the assignment's, else the worker's own)
 * @param token               the participant's join token. Secret: never log it
 *                            ({@link #toString()} leaves it out)
 * @param participantIdentity the identity the token is for
 */
public record JobAssignment(JobInfo job, URI serverUrl, String token, String participantIdentity) {

    public JobAssignment {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(serverUrl, "serverUrl");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(participantIdentity, "participantIdentity");
    }

    @Override
    public String toString() {
        return "JobAssignment[job=" + job.jobId() + ", room=" + job.roomName() + ", serverUrl=" + serverUrl
                + ", participantIdentity=" + participantIdentity + ", token=<redacted>]";
    }
}
