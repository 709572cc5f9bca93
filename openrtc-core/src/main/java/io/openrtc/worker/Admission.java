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

    /**
     * Decline the job so LiveKit can offer it to another worker. {@code tenant} is the job's
     * tenant, or empty when it was declined before that was decided.
     */
    record Declined(DeclineReason reason, String detail, String tenant) implements Admission {
        public Declined {
            Objects.requireNonNull(reason, "reason");
            detail = Objects.requireNonNullElse(detail, "");
            tenant = Objects.requireNonNullElse(tenant, "");
        }

        /** A decline before the job's tenant was decided. */
        public Declined(DeclineReason reason, String detail) {
            this(reason, detail, "");
        }

        /** This decline, for a job of {@code tenant}. */
        public Declined forTenant(String tenant) {
            return new Declined(reason, detail, tenant);
        }
    }
}
