package io.openrtc.rtc;

import java.time.Duration;
import java.util.Map;

/**
 * What WebRTC measured of one received audio track so far ({@code inbound-rtp} statistics),
 * cumulative since the track was subscribed.
 *
 * @param packetsReceived       RTP packets received
 * @param packetsLost           RTP packets lost
 * @param jitter                the packets' arrival jitter
 * @param jitterBufferDelay     how long audio waits in the jitter buffer on average before it is
 *                              played out (and handed to {@link AudioFrameStream}s)
 * @param totalSamplesReceived  samples decoded or concealed
 * @param concealedSamples      samples WebRTC had to make up because audio was missing or late
 */
public record AudioReceiveStats(long packetsReceived, long packetsLost, Duration jitter, Duration jitterBufferDelay,
                                long totalSamplesReceived, long concealedSamples) {

    /** Nothing measured yet. */
    public static final AudioReceiveStats NONE = new AudioReceiveStats(0, 0, Duration.ZERO, Duration.ZERO, 0, 0);

    /** The share of samples concealed, between 0 and 1. */
    public double concealedShare() {
        return totalSamplesReceived == 0 ? 0 : (double) concealedSamples / totalSamplesReceived;
    }

    /** Reads the attributes of an {@code inbound-rtp} statistic. */
    static AudioReceiveStats of(Map<String, Object> attributes) {
        double delay = number(attributes, "jitterBufferDelay");
        double emitted = number(attributes, "jitterBufferEmittedCount");
        return new AudioReceiveStats((long) number(attributes, "packetsReceived"), (long) number(attributes, "packetsLost"),
                seconds(number(attributes, "jitter")), seconds(emitted > 0 ? delay / emitted : 0),
                (long) number(attributes, "totalSamplesReceived"), (long) number(attributes, "concealedSamples"));
    }

    private static double number(Map<String, Object> attributes, String key) {
        return attributes.get(key) instanceof Number n ? n.doubleValue() : 0;
    }

    private static Duration seconds(double value) {
        return Duration.ofNanos((long) (value * 1e9));
    }
}
