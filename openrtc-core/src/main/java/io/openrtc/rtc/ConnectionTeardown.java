package io.openrtc.rtc;

import dev.onvoid.webrtc.RTCDataChannel;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitRtc.LeaveRequest;
import livekit.LivekitRtc.SignalRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native teardown of a {@link RoomConnection}: fails what still waits on it, then releases its
 * socket, peer connections, data channels and senders in the one order webrtc-java lets go of
 * them. Runs on the room's loop.
 */
final class ConnectionTeardown {

    private static final Logger log = LoggerFactory.getLogger(ConnectionTeardown.class);

    private final LiveKitRoom room;

    ConnectionTeardown(LiveKitRoom room) {
        this.room = room;
    }

    /**
     * Loop: releases one connection in the safe order: stop pushing audio; leave and close the
     * socket; detach remote sinks; close both peer connections (synchronous: CLOSED on return);
     * release data channels and local tracks and sources. Factories stay with the runtime.
     */
    void release(RoomConnection c, boolean sendLeave) {
        if (c.tornDown) {
            return;
        }
        c.tornDown = true;
        RoomJoinException aborted = new RoomJoinException(JoinStep.SIGNAL_CONNECT, "the join was aborted: the room closed");
        c.joined.completeExceptionally(aborted);
        c.mediaConnected.completeExceptionally(aborted);
        RoomClosedException closed = new RoomClosedException("the connection closed",
                new CloseReason(CloseReason.Cause.CONNECTION_LOST, "connection closed"));
        c.pendingTracks.values().forEach(f -> f.completeExceptionally(closed));
        c.pendingTracks.clear();
        c.nextOfferWaiters.forEach(f -> f.completeExceptionally(closed));
        c.inFlightWaiters.forEach(f -> f.completeExceptionally(closed));
        c.pendingRequests.values().forEach(f -> f.completeExceptionally(RoomConnection.CONNECTION_REPLACED));
        c.pendingRequests.clear();
        ResumeAttempt attempt = c.resumeAttempt;
        if (attempt != null) {
            attempt.failed.complete("the connection was released");
            c.resumeAttempt = null;
        }
        if (c.reliableOut != null) {
            room.data.sender().detach(c.reliableOut);
        }
        if (c.pingTask != null) {
            c.pingTask.cancel(false);
        }
        for (AudioSender sender : c.senders.values()) {
            room.pacer.remove(sender);
            sender.stopPushing();
            // webrtc-java never releases a closed peer connection, so a sender that still holds
            // the track would keep it (and its source) alive: take the track off first.
            if (sender.rtpSender() != null && c.publisher != null) {
                try {
                    c.publisher.pc().removeTrack(sender.rtpSender());
                } catch (RuntimeException e) {
                    log.debug("Room {}: removing a track before closing failed: {}", room.label, e.toString());
                }
            }
        }
        if (c.signal != null) {
            if (sendLeave) {
                c.signal.send(SignalRequest.newBuilder().setLeave(LeaveRequest.newBuilder()
                        .setReason(DisconnectReason.CLIENT_INITIATED)
                        .setAction(LeaveRequest.Action.DISCONNECT)).build());
                c.signal.close(room.options.leaveTimeout());
            } else {
                c.signal.abort();
            }
        }
        room.remote.endAll();
        c.parkedTracks.clear();
        for (RTCDataChannel channel : c.dataChannels) {
            try {
                channel.unregisterObserver();
            } catch (Throwable t) {
                log.debug("Room {}: unregistering a data channel observer failed: {}", room.label, t.toString());
            }
        }
        if (c.subscriber != null) {
            c.subscriber.close();
        }
        if (c.publisher != null) {
            c.publisher.close();
        }
        for (RTCDataChannel channel : c.dataChannels) {
            try {
                channel.dispose();
            } catch (Throwable t) {
                log.debug("Room {}: a data channel was not released: {}", room.label, t.toString());
                room.counters.releaseFailures.incrementAndGet();
            } finally {
                room.counters.dataChannels.decrementAndGet();
            }
        }
        c.dataChannels.clear();
        c.channelTargets.clear();
        for (AudioSender sender : c.senders.values()) {
            sender.dispose();
        }
        c.senders.clear();
        if (c.shard != null) {
            c.shard.release();
            c.shard = null;
        }
    }

    /** Releases a data channel that arrived after its connection was torn down. */
    void releaseOrphan(RTCDataChannel channel) {
        try {
            channel.dispose();
        } catch (Throwable t) {
            log.debug("Room {}: a late data channel was not released: {}", room.label, t.toString());
        }
    }
}
