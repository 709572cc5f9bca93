package io.openrtc.worker;

import java.time.Duration;

/**
 * How a {@link Worker#drain drain} went.
 *
 * @param completed  sessions that ended on their own while the worker drained
 * @param cancelled  sessions still running at the drain timeout, which the worker cancelled
 * @param abandoned  of the cancelled ones, those whose outcome had not arrived when the worker
 *                   closed its connection (their final status could not be reported)
 * @param took       how long the drain took
 */
public record DrainResult(int completed, int cancelled, int abandoned, Duration took) {
}
