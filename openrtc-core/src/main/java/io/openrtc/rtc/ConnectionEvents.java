package io.openrtc.rtc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCBundlePolicy;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCIceTransportPolicy;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtcpMuxPolicy;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import livekit.LivekitModels;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitRtc;
import livekit.LivekitRtc.JoinResponse;
import livekit.LivekitRtc.LeaveRequest;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import livekit.LivekitRtc.SignalTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one {@link RoomConnection} receives, routed to the concern that owns it: the server's
 * signal messages (client-sdk-js's {@code SignalClient} handlers), the JoinResponse that sets up
 * the peer connections and data channels, and webrtc's peer-connection and data-channel
 * callbacks. The callbacks run on webrtc's shared signalling thread or the websocket's thread:
 * they copy what they need and queue the rest on the room's loop.
 */
final class ConnectionEvents {

    private static final Logger log = LoggerFactory.getLogger(ConnectionEvents.class);

    private final LiveKitRoom room;

    ConnectionEvents(LiveKitRoom room) {
        this.room = room;
    }

    /** A new signal socket for {@code c}, whose messages reach the loop only while it is {@code c}'s socket. */
    SignalConnection newSignal(RoomConnection c) {
        return new SignalBinding(c).signal;
    }

    /** Loop: one message from the server on {@code c}'s current socket. */
    private void onSignal(RoomConnection c, SignalResponse message) {
        if (c.tornDown) {
            return;
        }
        c.lastMessageNanos = System.nanoTime();
        ResumeAttempt resume = c.resumeAttempt;
        if (resume != null && !resume.firstMessage.isDone()) {
            // The first answer to a resume is a ReconnectResponse, a leave (refused), or (older
            // servers) any other message, which also means the server took us back.
            switch (message.getMessageCase()) {
                case RECONNECT -> resume.firstMessage.complete(message.getReconnect());
                case LEAVE -> { }
                default -> resume.firstMessage.complete(null);
            }
        }
        switch (message.getMessageCase()) {
            case JOIN -> onJoin(c, message.getJoin());
            case OFFER -> room.negotiation.onSubscriberOffer(c, message.getOffer());
            case ANSWER -> room.negotiation.onPublisherAnswer(c, message.getAnswer());
            case TRICKLE -> room.negotiation.onTrickle(c, message.getTrickle());
            case UPDATE -> room.remote.onParticipantUpdate(c, message.getUpdate().getParticipantsList());
            case TRACK_PUBLISHED -> {
                CompletableFuture<TrackInfo> reply = c.pendingTracks.remove(message.getTrackPublished().getCid());
                if (reply != null) {
                    reply.complete(message.getTrackPublished().getTrack());
                }
            }
            case REQUEST_RESPONSE -> onRequestResponse(c, message.getRequestResponse());
            case LEAVE -> onLeave(c, message.getLeave());
            case MUTE -> room.local.onMute(message.getMute());
            case REFRESH_TOKEN -> room.token = message.getRefreshToken();
            case ROOM_UPDATE -> {
                if (!message.getRoomUpdate().getRoom().getSid().isEmpty()) {
                    room.roomSid = message.getRoomUpdate().getRoom().getSid();
                }
            }
            case TRACK_UNPUBLISHED -> log.warn("Room {}: the server unpublished our track {}", room.label,
                    message.getTrackUnpublished().getTrackSid());
            case SUBSCRIPTION_RESPONSE -> log.warn("Room {}: subscribing to {} failed: {}", room.label,
                    message.getSubscriptionResponse().getTrackSid(), message.getSubscriptionResponse().getErr());
            case PONG_RESP -> c.rttMillis = System.currentTimeMillis() - message.getPongResp().getLastPingTimestamp();
            case RECONNECT -> log.debug("Room {}: the server took the resume back (last reliable sequence {})", room.label,
                    message.getReconnect().getLastMessageSeq());
            default -> {
                // speakers, connection quality, stream state and newer messages: not needed here
            }
        }
    }

    private void onJoin(RoomConnection c, JoinResponse join) {
        if (c.publisher != null) {
            return; // a second JoinResponse on the same socket is not expected; ignore it
        }
        try {
            room.roomName = join.getRoom().getName();
            room.roomSid = join.getRoom().getSid();
            room.localIdentity = join.getParticipant().getIdentity();
            room.localSid = join.getParticipant().getSid();
            room.local.joined(join.getParticipant());
            c.resumeAllowed = join.getClientConfiguration().getResumeConnection() != LivekitModels.ClientConfigSetting.DISABLED;
            c.subscriberPrimary = join.getSubscriberPrimary();
            c.pingInterval = Duration.ofSeconds(join.getPingInterval() > 0 ? join.getPingInterval() : 5);
            c.pingTimeout = Duration.ofSeconds(join.getPingTimeout() > 0 ? join.getPingTimeout() : 15);
            room.remote.reset(join.getOtherParticipantsList());

            RTCConfiguration configuration = rtcConfiguration(join);
            c.shard = room.runtime.acquireReceivingShard();
            c.subscriber = PeerTransport.create(SignalTarget.SUBSCRIBER, c.shard.factory, configuration,
                    new TransportObserver(c, SignalTarget.SUBSCRIBER), room.counters);
            c.publisher = PeerTransport.create(SignalTarget.PUBLISHER, room.runtime.sendingFactory(), configuration,
                    new TransportObserver(c, SignalTarget.PUBLISHER), room.counters);
            // The data channels exist before the first offer so that it negotiates SCTP.
            RTCDataChannelInit reliable = new RTCDataChannelInit();
            RTCDataChannelInit lossy = new RTCDataChannelInit();
            lossy.ordered = false;
            lossy.maxRetransmits = 0;
            c.reliableOut = c.publisher.pc().createDataChannel("_reliable", reliable);
            adoptDataChannel(c, c.reliableOut, SignalTarget.PUBLISHER);
            RTCDataChannel lossyOut = c.publisher.pc().createDataChannel("_lossy", lossy);
            adoptDataChannel(c, lossyOut, SignalTarget.PUBLISHER);
            room.data.sender().attach(c.reliableOut, lossyOut);
            room.negotiation.negotiatePublisher(c);
            c.joined.complete(null);
        } catch (RuntimeException e) {
            c.failJoin(new RoomJoinException(JoinStep.NEGOTIATION, "setting up the peer connections failed: " + e, e));
        }
    }

    private static RTCConfiguration rtcConfiguration(JoinResponse join) {
        RTCConfiguration configuration = new RTCConfiguration();
        for (LivekitRtc.ICEServer server : join.getIceServersList()) {
            RTCIceServer ice = new RTCIceServer();
            ice.urls = new ArrayList<>(server.getUrlsList());
            ice.username = server.getUsername();
            ice.password = server.getCredential();
            configuration.iceServers.add(ice);
        }
        if (join.getClientConfiguration().getForceRelay() == LivekitModels.ClientConfigSetting.ENABLED) {
            configuration.iceTransportPolicy = RTCIceTransportPolicy.RELAY;
        }
        configuration.bundlePolicy = RTCBundlePolicy.MAX_BUNDLE;
        configuration.rtcpMuxPolicy = RTCRtcpMuxPolicy.REQUIRE;
        return configuration;
    }

    private void onRequestResponse(RoomConnection c, LivekitRtc.RequestResponse response) {
        CompletableFuture<Void> request = response.getRequestId() == 0 ? null : c.pendingRequests.remove(response.getRequestId());
        if (request != null) {
            if (response.getReason() == LivekitRtc.RequestResponse.Reason.OK) {
                request.complete(null);
            } else {
                request.completeExceptionally(new RoomException("the server refused it: " + response.getReason()
                        + (response.getMessage().isEmpty() ? "" : " (" + response.getMessage() + ")")));
            }
            return;
        }
        if (response.getReason() == LivekitRtc.RequestResponse.Reason.OK) {
            return;
        }
        if (response.hasAddTrack()) {
            CompletableFuture<TrackInfo> reply = c.pendingTracks.remove(response.getAddTrack().getCid());
            if (reply != null) {
                reply.completeExceptionally(new RoomException("the server refused the track: " + response.getReason()
                        + (response.getMessage().isEmpty() ? "" : " (" + response.getMessage() + ")")));
                return;
            }
        }
        log.warn("Room {}: the server refused a request: {} {}", room.label, response.getReason(), response.getMessage());
    }

    private void onLeave(RoomConnection c, LeaveRequest leave) {
        String detail = "server leave, reason " + leave.getReason() + ", action " + leave.getAction();
        if (!c.established) {
            c.failJoin(new RoomJoinException(JoinStep.JOIN_RESPONSE, "the server refused the participant ("
                    + detail + ")"));
            return;
        }
        switch (leave.getAction()) {
            case RESUME -> room.engine.connectionLost(c, "the server asked to resume (" + detail + ")",
                    LivekitModels.ReconnectReason.RR_UNKNOWN, true);
            case RECONNECT -> room.engine.connectionLost(c, "the server asked to reconnect (" + detail + ")",
                    LivekitModels.ReconnectReason.RR_UNKNOWN, false);
            default -> room.finish(closeReasonOf(leave.getReason(), detail), false);
        }
    }

    private static CloseReason closeReasonOf(DisconnectReason reason, String detail) {
        CloseReason.Cause cause = switch (reason) {
            case ROOM_DELETED, ROOM_CLOSED -> CloseReason.Cause.ROOM_DELETED;
            case PARTICIPANT_REMOVED -> CloseReason.Cause.PARTICIPANT_REMOVED;
            case DUPLICATE_IDENTITY -> CloseReason.Cause.DUPLICATE_IDENTITY;
            default -> CloseReason.Cause.SERVER_LEAVE;
        };
        return new CloseReason(cause, detail);
    }

    // ---- data channels (loop): packets are decoded here and routed by the DataReceiver ----

    private void adoptDataChannel(RoomConnection c, RTCDataChannel channel, SignalTarget side) {
        room.counters.dataChannels.incrementAndGet();
        c.dataChannels.add(channel);
        c.channelTargets.put(channel, side);
        String channelLabel = channel.getLabel();
        channel.registerObserver(new RTCDataChannelObserver() {
            // Both run on webrtc's signalling thread: the sender only takes a short lock of its own.
            @Override
            public void onBufferedAmountChange(long previousAmount) {
                room.data.sender().channelStateChanged();
            }

            @Override
            public void onStateChange() {
                room.data.sender().channelStateChanged();
            }

            @Override
            public void onMessage(RTCDataChannelBuffer buffer) {
                try {
                    // The buffer is only valid during this callback: copy it before handing off.
                    byte[] bytes = new byte[buffer.data.remaining()];
                    buffer.data.get(bytes);
                    boolean reliable = "_reliable".equals(channelLabel);
                    room.loop.execute(() -> onDataMessage(c, bytes, reliable));
                } catch (Throwable t) {
                    log.debug("Room {}: dropped a data message on {}: {}", room.label, channelLabel, t.toString());
                }
            }
        });
        log.debug("Room {}: data channel {} on the {}", room.label, channelLabel, PeerTransport.name(side));
    }

    private void onDataMessage(RoomConnection c, byte[] bytes, boolean reliable) {
        if (c.tornDown) {
            return;
        }
        try {
            room.data.receiver().onDataPacket(LivekitModels.DataPacket.parseFrom(bytes), reliable);
        } catch (InvalidProtocolBufferException e) {
            room.data.receiver().onUndecodable(bytes.length, e.getMessage());
        } catch (RuntimeException e) {
            log.warn("Room {}: handling a data packet failed: {}", room.label, e.toString(), e);
        }
    }

    /**
     * Connects one signal socket to its connection: a resume gives a connection a new socket, and
     * whatever the old one still delivers is ignored.
     */
    private final class SignalBinding implements SignalConnection.Handler {
        final RoomConnection c;
        final SignalConnection signal;

        SignalBinding(RoomConnection c) {
            this.c = c;
            this.signal = new SignalConnection(this);
        }

        @Override
        public void onMessage(SignalResponse message) {
            room.loop.execute(() -> {
                if (c.signal == signal) {
                    onSignal(c, message);
                }
            });
        }

        @Override
        public void onLost(String cause) {
            room.loop.execute(() -> {
                if (c.signal == signal) {
                    room.engine.connectionLost(c, cause, LivekitModels.ReconnectReason.RR_SIGNAL_DISCONNECTED, true);
                }
            });
        }
    }

    /**
     * webrtc's callbacks for one peer connection. They run on the factory's shared signalling
     * thread: copy what is needed, hand the rest to the loop, never block, never throw.
     */
    private final class TransportObserver implements PeerConnectionObserver {
        private final RoomConnection c;
        private final SignalTarget target;

        TransportObserver(RoomConnection c, SignalTarget target) {
            this.c = c;
            this.target = target;
        }

        @Override
        public void onIceCandidate(RTCIceCandidate candidate) {
            try {
                SignalConnection signal = c.signal;
                if (signal != null && !c.tornDown) {
                    signal.send(SignalRequest.newBuilder().setTrickle(LivekitRtc.TrickleRequest.newBuilder()
                            .setCandidateInit(IceCandidates.toJson(candidate)).setTarget(target)).build());
                }
            } catch (Throwable t) {
                log.debug("Room {}: could not send a local candidate: {}", room.label, t.toString());
            }
        }

        @Override
        public void onConnectionChange(RTCPeerConnectionState newState) {
            try {
                PeerTransport transport = target == SignalTarget.PUBLISHER ? c.publisher : c.subscriber;
                if (transport != null) {
                    transport.stateChanged(newState);
                }
                room.loop.execute(() -> room.engine.onTransportState(c, target, newState));
            } catch (Throwable t) {
                log.debug("Room {}: connection state callback failed: {}", room.label, t.toString());
            }
        }

        @Override
        public void onTrack(RTCRtpTransceiver transceiver) {
            try {
                MediaStreamTrack track = transceiver.getReceiver().getTrack();
                String mid = transceiver.getMid();
                if (track instanceof AudioTrack audio && target == SignalTarget.SUBSCRIBER) {
                    room.loop.execute(() -> room.remote.onRemoteTrack(c, mid, audio));
                }
            } catch (Throwable t) {
                log.warn("Room {}: could not take a remote track: {}", room.label, t.toString());
            }
        }

        @Override
        public void onDataChannel(RTCDataChannel channel) {
            try {
                boolean queued = room.loop.execute(() -> {
                    if (c.tornDown) {
                        room.teardown.releaseOrphan(channel);
                        return;
                    }
                    adoptDataChannel(c, channel, target);
                });
                if (!queued) {
                    room.teardown.releaseOrphan(channel);
                }
            } catch (Throwable t) {
                log.debug("Room {}: data channel callback failed: {}", room.label, t.toString());
            }
        }
    }
}
