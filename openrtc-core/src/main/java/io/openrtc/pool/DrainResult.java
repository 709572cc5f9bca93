package io.openrtc.pool;

import java.time.Duration;

/**
 * What a drain did.
 *
 * @param completed sessions that ended on their own while draining (success or failure)
 * @param cancelled sessions the drain had to cancel
 * @param took      how long the drain took
 */
public record DrainResult(int completed, int cancelled, Duration took) {
}
