package io.openrtc.worker;

import io.openrtc.observe.DeclineReason;
import java.util.Objects;

/** The answer of a {@link JobAdmission}. */
public sealed interface Admission {

    /** Take the job: {@code claim} holds its reserved slot and the agent that will serve it. */
    record Accepted(JobClaim claim) implements Admission {
        public Accepted {
            Objects.requireNonNull(claim, "claim");
        }
    }

    /** Decline the job so LiveKit can offer it to another worker. */
    record Declined(DeclineReason reason, String detail) implements Admission {
        public Declined {
            Objects.requireNonNull(reason, "reason");
            detail = Objects.requireNonNullElse(detail, "");
        }
    }
}
