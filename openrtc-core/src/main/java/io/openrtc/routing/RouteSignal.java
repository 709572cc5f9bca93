package io.openrtc.routing;

/** Where a routing decision came from; logged with the decision and usable as a metric tag. */
public enum RouteSignal {
    /** The job's dispatch metadata ({@code {"agent": "..."}} or {@code {"demo": "..."}}). */
    JOB_METADATA,
    /** The room's metadata, same keys. */
    ROOM_METADATA,
    /** The room name starts with {@code <agent>-}. */
    ROOM_NAME_PREFIX,
    /** Nothing named an agent; the first registered agent serves the job. */
    FALLBACK,
    /** A user-provided {@link RoutingStrategy}. */
    CUSTOM
}
