package io.openrtc.worker;

import io.openrtc.agent.JobInfo;

/**
 * Decides, when LiveKit offers a job, whether this worker takes it. The one place where request
 * filters, routing and pool capacity meet.
 *
 * <p>Called on the worker's message path within LiveKit's ~3 s answer budget: it must be quick
 * and must never block or call user code that may block. Acceptance is <em>hard</em>: an
 * {@link Admission.Accepted} holds a reserved session slot until the claim is launched or
 * released, so concurrent offers can never overshoot capacity.
 */
@FunctionalInterface
public interface JobAdmission {

    /** Accepts (reserving a slot) or declines {@code job}. Never throws. */
    Admission admit(JobInfo job);
}
