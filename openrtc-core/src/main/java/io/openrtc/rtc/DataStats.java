package io.openrtc.rtc;

/**
 * Counters of a room's data traffic since it joined ({@link Room#dataStats()}). Nothing a peer
 * sends can end the session: what cannot be used is dropped, counted here and logged as a warning
 * (one per kind of abuse per 10 s, with the count of those held back).
 *
 * @param packetsReceived    data packets received (every kind)
 * @param packetsSent        data packets sent (user packets, stream parts, RPC messages)
 * @param malformedPackets   packets dropped as malformed: not a DataPacket, a stream chunk or
 *                           trailer for an unknown stream, a header without a stream id or type,
 *                           an RPC message without an id, a stream whose chunks do not add up
 * @param duplicatePackets   reliable packets dropped because their sequence number was not newer
 *                           than the sender's last one, and stream chunks received twice
 * @param droppedStreams     incoming text and byte streams dropped before they completed: aborted
 *                           by the sender, the sender left, larger than
 *                           {@link RoomOptions#maxStreamBytes()}, idle too long, cut by a rejoin
 * @param droppedMessages    complete messages dropped because their reader fell behind or nobody
 *                           read their topic for too long (the backlog overflowed)
 * @param rpcCallsHandled    RPC calls answered by a registered handler (with a result or an error)
 * @param rpcCallsPerformed  RPC calls made with {@link Room#performRpc}
 * @param rpcCallsRefused    incoming RPC calls refused because the session was already answering
 *                           as many as it may at once (answered "Too many requests", or, past
 *                           what it can even refuse, left to the caller's timeout)
 * @param openStreams        incoming text and byte streams being received at this moment (a gauge,
 *                           not a counter): at most {@code 128} per room, beyond which the oldest
 *                           is dropped, so a peer that opens streams and never ends them holds no
 *                           more than that
 */
public record DataStats(long packetsReceived, long packetsSent, long malformedPackets, long duplicatePackets,
        long droppedStreams, long droppedMessages, long rpcCallsHandled, long rpcCallsPerformed, long rpcCallsRefused,
        int openStreams) {

    /** Stats without the open-stream gauge. */
    public DataStats(long packetsReceived, long packetsSent, long malformedPackets, long duplicatePackets,
            long droppedStreams, long droppedMessages, long rpcCallsHandled, long rpcCallsPerformed, long rpcCallsRefused) {
        this(packetsReceived, packetsSent, malformedPackets, duplicatePackets, droppedStreams, droppedMessages,
                rpcCallsHandled, rpcCallsPerformed, rpcCallsRefused, 0);
    }

    /** Stats without refused RPC calls. */
    public DataStats(long packetsReceived, long packetsSent, long malformedPackets, long duplicatePackets,
            long droppedStreams, long droppedMessages, long rpcCallsHandled, long rpcCallsPerformed) {
        this(packetsReceived, packetsSent, malformedPackets, duplicatePackets, droppedStreams, droppedMessages,
                rpcCallsHandled, rpcCallsPerformed, 0);
    }
}
