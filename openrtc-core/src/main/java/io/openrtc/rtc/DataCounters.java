package io.openrtc.rtc;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * The counters behind {@link DataStats}, and the rate-limited warning for what a peer sent that
 * could not be used: the first {@value #WARN_FIRST} are logged, then every {@value #WARN_EVERY}th,
 * so that a misbehaving peer cannot flood the log.
 */
final class DataCounters {

    static final int WARN_FIRST = 5;
    static final int WARN_EVERY = 100;

    final AtomicLong packetsReceived = new AtomicLong();
    final AtomicLong packetsSent = new AtomicLong();
    final AtomicLong malformedPackets = new AtomicLong();
    final AtomicLong duplicatePackets = new AtomicLong();
    final AtomicLong droppedStreams = new AtomicLong();
    final AtomicLong droppedMessages = new AtomicLong();
    final AtomicLong rpcCallsHandled = new AtomicLong();
    final AtomicLong rpcCallsPerformed = new AtomicLong();
    final AtomicLong rpcCallsRefused = new AtomicLong();
    private final AtomicLong warnings = new AtomicLong();

    DataStats snapshot() {
        return new DataStats(packetsReceived.get(), packetsSent.get(), malformedPackets.get(), duplicatePackets.get(),
                droppedStreams.get(), droppedMessages.get(), rpcCallsHandled.get(), rpcCallsPerformed.get(),
                rpcCallsRefused.get());
    }

    /** Counts a malformed packet and warns (rate-limited). */
    void malformed(Logger log, String room, String what) {
        malformedPackets.incrementAndGet();
        warn(log, room, "dropped a malformed data packet: " + what);
    }

    /** Counts a dropped incoming stream and warns (rate-limited). */
    void droppedStream(Logger log, String room, String what) {
        droppedStreams.incrementAndGet();
        warn(log, room, "dropped an incoming stream: " + what);
    }

    /** Counts a refused incoming RPC call and warns (rate-limited). */
    void refusedRpc(Logger log, String room, String what) {
        rpcCallsRefused.incrementAndGet();
        warn(log, room, "refused an RPC call: " + what);
    }

    private void warn(Logger log, String room, String message) {
        long n = warnings.incrementAndGet();
        if (n <= WARN_FIRST || n % WARN_EVERY == 0) {
            log.warn("Room {}: {} (data warning #{}; totals: {})", room, message, n, snapshot());
        } else {
            log.debug("Room {}: {}", room, message);
        }
    }
}
