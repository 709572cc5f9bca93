package io.openrtc.worker;

import io.openrtc.agent.JobInfo;

/**
 * Decides, when LiveKit offers a job, whether this worker takes it. The one place where request
 * filters, routing and pool capacity meet.
 *
 * <p>Called on a virtual thread of its own for each offer, so offers that arrive together are
 * decided concurrently: implementations must be thread-safe. The answer must come well within
 * LiveKit's ~3 s budget for the whole exchange; waiting on bounded user code (a request filter)
 * is fine, unbounded blocking is not. Acceptance is <em>hard</em>: an {@link Admission.Accepted}
 * holds a reserved session slot until the claim is launched or released, so concurrent offers
 * can never overshoot capacity. A claim whose offer the worker no longer wants when the decision
 * arrives (draining, stopped, connection lost) is released by the worker.
 */
@FunctionalInterface
public interface JobAdmission {

    /** Accepts (reserving a slot) or declines {@code job}. Never throws. */
    Admission admit(JobInfo job);

    /**
     * Runs this admission's own code once on a made-up job, without reserving anything or calling
     * user code, before the worker registers: a fresh JVM's first offer otherwise pays for loading
     * and linking all of it inside LiveKit's ~3 s (on a busy 2-core machine 1.5 s of admission
     * alone, and LiveKit gave that job to no one). Nothing by default.
     */
    default void warmUp() {
    }
}
