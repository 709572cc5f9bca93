package io.openrtc.rtc;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelState;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import livekit.LivekitModels.DataPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room's sending side of the data channels: the publisher connection's {@code _reliable} and
 * {@code _lossy} channels of the current connection.
 *
 * <p><b>Ordering.</b> LiveKit's server drops a reliable packet whose {@code sequence} is not
 * greater than the last one it got from us, so the number is taken and the packet handed to the
 * channel under one lock: concurrent senders cannot reorder them. The counter is per room and
 * keeps counting across reconnects.
 *
 * <p><b>Waiting.</b> A send waits (bounded by {@code waitLimit}) while there is no open channel:
 * right after joining, SCTP may still be opening; while the room reconnects there is no channel.
 * It also waits while the channel's buffer holds more than {@link #HIGH_WATER} bytes, so a large
 * stream cannot overflow libwebrtc's send queue (which would close the channel).
 *
 * <p><b>Resume.</b> The last reliable packets are kept; after a resume the ones the server did
 * not get ({@code sequence > last_message_seq}) are sent again, in order.
 *
 * <p>webrtc callbacks ({@link #channelStateChanged()}) only take the short state lock, never the
 * send lock, because a thread holding the send lock may be inside {@code send()} waiting on the
 * very signalling thread that runs the callback.
 */
final class DataChannelSender implements PacketSender {

    private static final Logger log = LoggerFactory.getLogger(DataChannelSender.class);

    /** Above this many buffered bytes a send waits for the channel to drain. */
    static final long HIGH_WATER = 1 << 20;
    /** Never hand the channel a message larger than this (LiveKit's SDKs clamp to 64 000). */
    static final int MAX_MESSAGE_BYTES = 64_000;
    private static final int RESEND_MAX_PACKETS = 512;
    private static final long RESEND_MAX_BYTES = 1 << 20;

    private record Sent(int sequence, byte[] bytes) {
    }

    private final String room;
    private final Duration waitLimit;
    private final DataCounters counters;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final ReentrantLock stateLock = new ReentrantLock();
    private final Condition stateChanged = stateLock.newCondition();
    private long generation;

    // Guarded by sendLock.
    private RTCDataChannel reliable;
    private RTCDataChannel lossy;
    private int nextSequence = 1;
    private final ArrayDeque<Sent> recent = new ArrayDeque<>();
    private long recentBytes;

    private volatile int epoch;
    private volatile RoomClosedException closed;

    DataChannelSender(String room, Duration waitLimit, DataCounters counters) {
        this.room = room;
        this.waitLimit = waitLimit;
        this.counters = counters;
    }

    @Override
    public int epoch() {
        return epoch;
    }

    /** The channels of a new connection (a join or a full rejoin): a new epoch. */
    void attach(RTCDataChannel reliableChannel, RTCDataChannel lossyChannel) {
        sendLock.lock();
        try {
            reliable = reliableChannel;
            lossy = lossyChannel;
            epoch++;
            // The server of a new connection knows nothing of what the old one got.
            recent.clear();
            recentBytes = 0;
        } finally {
            sendLock.unlock();
        }
        channelStateChanged();
    }

    /** Forgets the channels of a connection being torn down; sends wait for the next ones. */
    void detach(RTCDataChannel reliableChannel) {
        sendLock.lock();
        try {
            if (reliable == reliableChannel) {
                reliable = null;
                lossy = null;
            }
        } finally {
            sendLock.unlock();
        }
        channelStateChanged();
    }

    /** The room closed: waiting and later sends fail with {@code reason}. */
    void close(RoomClosedException reason) {
        closed = reason;
        sendLock.lock();
        try {
            reliable = null;
            lossy = null;
            recent.clear();
        } finally {
            sendLock.unlock();
        }
        channelStateChanged();
    }

    /** A channel opened, closed or drained: wakes waiting senders. Called on webrtc's signalling thread. */
    void channelStateChanged() {
        stateLock.lock();
        try {
            generation++;
            stateChanged.signalAll();
        } finally {
            stateLock.unlock();
        }
    }

    @Override
    public void send(DataPacket.Builder packet, boolean reliableKind, int requiredEpoch)
            throws RoomException, InterruptedException {
        packet.setKind(reliableKind ? DataPacket.Kind.RELIABLE : DataPacket.Kind.LOSSY);
        long deadline = System.nanoTime() + waitLimit.toNanos();
        String lastProblem = "no open data channel";
        while (true) {
            long seen = generation();
            sendLock.lockInterruptibly();
            try {
                RoomClosedException closedReason = closed;
                if (closedReason != null) {
                    throw closedReason;
                }
                if (requiredEpoch != ANY_EPOCH && requiredEpoch != epoch) {
                    throw new StreamCutException("the room rejoined after a lost connection while a stream was being sent");
                }
                RTCDataChannel channel = reliableKind ? reliable : lossy;
                if (channel != null) {
                    RTCDataChannelState state = channel.getState();
                    if (state != RTCDataChannelState.OPEN) {
                        lastProblem = "the data channel is " + state;
                    } else if (channel.getBufferedAmount() > HIGH_WATER) {
                        lastProblem = "the data channel's buffer is full (" + channel.getBufferedAmount() + " bytes)";
                    } else {
                        int sequence = reliableKind ? nextSequence : 0;
                        packet.setSequence(sequence);
                        byte[] bytes = packet.build().toByteArray();
                        if (bytes.length > MAX_MESSAGE_BYTES) {
                            throw new IllegalArgumentException("a data packet of " + bytes.length
                                    + " bytes is over the data channel limit of " + MAX_MESSAGE_BYTES + " bytes");
                        }
                        try {
                            channel.send(new RTCDataChannelBuffer(ByteBuffer.wrap(bytes), true));
                            counters.packetsSent.incrementAndGet();
                            if (reliableKind) {
                                nextSequence++;
                                remember(sequence, bytes);
                            }
                            return;
                        } catch (Exception e) {
                            lastProblem = "sending failed: " + e.getMessage();
                        }
                    }
                }
            } finally {
                sendLock.unlock();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new RoomException("could not send a data packet within " + waitLimit.toMillis() + " ms ("
                        + lastProblem + ")");
            }
            awaitChange(seen, left);
        }
    }

    /** After a resume: sends again, in order, the kept reliable packets the server did not receive. */
    void resendAfter(long lastSequenceReceived) {
        sendLock.lock();
        try {
            while (!recent.isEmpty() && Integer.toUnsignedLong(recent.peekFirst().sequence()) <= lastSequenceReceived) {
                recentBytes -= recent.pollFirst().bytes().length;
            }
            if (recent.isEmpty() || reliable == null) {
                return;
            }
            int resent = 0;
            for (Sent sent : recent) {
                try {
                    reliable.send(new RTCDataChannelBuffer(ByteBuffer.wrap(sent.bytes()), true));
                    resent++;
                } catch (Exception e) {
                    log.warn("Room {}: resending reliable packet {} after the resume failed: {}", room, sent.sequence(),
                            e.getMessage());
                    break;
                }
            }
            log.info("Room {}: resent {} reliable data packets the server had not received (after sequence {})", room,
                    resent, lastSequenceReceived);
        } finally {
            sendLock.unlock();
        }
    }

    private void remember(int sequence, byte[] bytes) {
        recent.addLast(new Sent(sequence, bytes));
        recentBytes += bytes.length;
        while (recent.size() > RESEND_MAX_PACKETS || recentBytes > RESEND_MAX_BYTES) {
            recentBytes -= recent.pollFirst().bytes().length;
        }
    }

    private long generation() {
        stateLock.lock();
        try {
            return generation;
        } finally {
            stateLock.unlock();
        }
    }

    private void awaitChange(long seen, long nanosLeft) throws InterruptedException {
        stateLock.lockInterruptibly();
        try {
            // Channel state getters are polled too (every 100 ms): libwebrtc does not report
            // every buffered-amount change, and a missed wake-up must not cost the whole wait.
            if (generation == seen) {
                stateChanged.awaitNanos(Math.min(nanosLeft, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        } finally {
            stateLock.unlock();
        }
    }
}
