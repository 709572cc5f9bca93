package io.openrtc.routing;

import io.openrtc.agent.JobInfo;

/**
 * Accepts or declines a job before routing, for example by room name or tenant. A declined job
 * is offered by LiveKit to another worker.
 *
 * <p>Runs inside LiveKit's ~3 s answer budget: keep it fast. OpenRTC bounds it (see
 * {@code openrtc.routing.request-filter-timeout}) and declines the job if it takes longer or
 * throws. Mutually exclusive with {@code openrtc.routing.accept-only-registered-rooms}.
 */
@FunctionalInterface
public interface RequestFilter {

    /** Whether this worker should take {@code job}. */
    boolean accept(JobInfo job);
}
