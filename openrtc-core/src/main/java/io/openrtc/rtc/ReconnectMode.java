package io.openrtc.rtc;

/** How a room got its connection back after {@link RoomEvent.Reconnecting}. */
public enum ReconnectMode {
    /**
     * The signal connection was resumed: same participant sid, the peer connections were kept
     * (with an ICE restart), published and subscribed tracks, data streams and RPC calls went on.
     */
    RESUMED,
    /**
     * A full rejoin: a new participant sid and new peer connections; remote tracks ended and
     * were subscribed anew, local tracks were published again (new sids), attributes, metadata
     * and name set through the room were applied again, in-flight RPC calls failed and partly
     * received or sent streams were dropped.
     */
    REJOINED
}
