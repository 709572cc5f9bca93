package io.openrtc.rtc;

import io.openrtc.observe.RateLimitedLog;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * The counters behind {@link DataStats}, and the rate-limited warning for what a peer sent that
 * could not be used: one warning per kind of abuse (malformed packets, dropped streams, refused
 * RPC calls, messages dropped unread on a topic nobody reads) per {@link RateLimitedLog#INTERVAL}, saying how many like it were held back, the rest
 * at DEBUG. So a misbehaving peer cannot flood the log, and a new kind of abuse is still logged
 * at once however many of another kind came before it.
 */
final class DataCounters {

    final AtomicLong packetsReceived = new AtomicLong();
    final AtomicLong packetsSent = new AtomicLong();
    final AtomicLong malformedPackets = new AtomicLong();
    final AtomicLong duplicatePackets = new AtomicLong();
    final AtomicLong droppedStreams = new AtomicLong();
    final AtomicLong droppedMessages = new AtomicLong();
    final AtomicLong rpcCallsHandled = new AtomicLong();
    final AtomicLong rpcCallsPerformed = new AtomicLong();
    final AtomicLong rpcCallsRefused = new AtomicLong();
    private final RateLimitedLog malformedLog = new RateLimitedLog();
    private final RateLimitedLog droppedStreamLog = new RateLimitedLog();
    private final RateLimitedLog refusedRpcLog = new RateLimitedLog();
    private final RateLimitedLog unreadLog = new RateLimitedLog();
    /** The streams being received now; set by the room's stream assembler. */
    private volatile java.util.function.IntSupplier openStreams = () -> 0;

    DataStats snapshot() {
        return new DataStats(packetsReceived.get(), packetsSent.get(), malformedPackets.get(), duplicatePackets.get(),
                droppedStreams.get(), droppedMessages.get(), rpcCallsHandled.get(), rpcCallsPerformed.get(),
                rpcCallsRefused.get(), openStreams.getAsInt());
    }

    /** Where the open-stream gauge of {@link #snapshot()} is read. */
    void openStreams(java.util.function.IntSupplier gauge) {
        this.openStreams = gauge;
    }

    /** Counts a malformed packet and warns (rate-limited). */
    void malformed(Logger log, String room, String what) {
        malformedPackets.incrementAndGet();
        warn(malformedLog, log, room, "dropped a malformed data packet: " + what);
    }

    /** Counts a dropped incoming stream and warns (rate-limited). */
    void droppedStream(Logger log, String room, String what) {
        droppedStreams.incrementAndGet();
        warn(droppedStreamLog, log, room, "dropped an incoming stream: " + what);
    }

    /** Counts a refused incoming RPC call and warns (rate-limited). */
    void refusedRpc(Logger log, String room, String what) {
        rpcCallsRefused.incrementAndGet();
        warn(refusedRpcLog, log, room, "refused an RPC call: " + what);
    }

    /**
     * Warns (rate-limited) that a message was dropped unread: nobody reads its topic and the
     * backlog for later readers overflowed. Counted already, in {@code droppedMessages}.
     */
    void droppedUnread(Logger log, String room, String kind, String topic) {
        warn(unreadLog, log, room, "dropped " + kind + " on topic '" + cut(topic) + "' that nobody reads (the backlog "
                + "for later readers is full)");
    }

    private static String cut(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }

    private void warn(RateLimitedLog limit, Logger log, String room, String message) {
        long heldBack = limit.permit();
        if (heldBack >= 0) {
            log.warn("Room {}: {} ({} more like it held back since the last such warning; totals: {})", room, message,
                    heldBack, snapshot());
        } else {
            log.debug("Room {}: {}", room, message);
        }
    }
}
