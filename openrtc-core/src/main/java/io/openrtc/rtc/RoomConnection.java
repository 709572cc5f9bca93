package io.openrtc.rtc;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitRtc.SessionDescription;
import livekit.LivekitRtc.SignalTarget;

/**
 * One join attempt of a room: its signal socket, both peer connections, negotiation state and
 * the native senders of published tracks. A resume keeps it (with a new socket); a rejoin
 * replaces it. Loop-owned; the volatile fields are read by webrtc callbacks too.
 */
final class RoomConnection {
    private final LiveKitRoom room;

    final CompletableFuture<Void> joined = new CompletableFuture<>();
    final CompletableFuture<Void> mediaConnected = new CompletableFuture<>();
    final Map<String, String> midToTrackId = new HashMap<>();
    final Map<String, CompletableFuture<TrackInfo>> pendingTracks = new HashMap<>();
    final Map<LocalAudioTrack, AudioSender> senders = new LinkedHashMap<>();
    final Map<String, AudioTrack> parkedTracks = new LinkedHashMap<>();
    final List<RTCDataChannel> dataChannels = new ArrayList<>();
    final Map<RTCDataChannel, SignalTarget> channelTargets = new LinkedHashMap<>();
    final Map<Integer, CompletableFuture<Void>> pendingRequests = new HashMap<>();
    RTCDataChannel reliableOut;
    SessionDescription lastSubscriberOffer;
    SessionDescription lastSubscriberAnswer;
    boolean resumeAllowed = true;
    boolean iceRestart;
    /** Between a lost connection and the end of resuming it: losses go to the resume, not to a new reconnect. */
    boolean resuming;
    ResumeAttempt resumeAttempt;
    final List<CompletableFuture<Void>> nextOfferWaiters = new ArrayList<>();
    List<CompletableFuture<Void>> inFlightWaiters = List.of();
    volatile SignalConnection signal;
    volatile PeerTransport publisher;
    volatile PeerTransport subscriber;
    RtcRuntime.ReceivingShard shard;
    volatile boolean tornDown;
    boolean established;
    boolean subscriberPrimary = true;
    int offerId;
    boolean offerInFlight;
    boolean renegotiate;
    Duration pingInterval = Duration.ofSeconds(5);
    Duration pingTimeout = Duration.ofSeconds(15);
    volatile long lastMessageNanos = System.nanoTime();
    long rttMillis;
    ScheduledFuture<?> pingTask;

    /** Fails requests whose connection was replaced before the server answered (they are sent again). */
    static final RuntimeException CONNECTION_REPLACED = new RuntimeException("connection replaced", null, false, false) {
        private static final long serialVersionUID = 1L;
    };

    RoomConnection(LiveKitRoom room) {
        this.room = room;
    }

    void failJoin(RoomJoinException failure) {
        joined.completeExceptionally(failure);
        mediaConnected.completeExceptionally(failure);
    }

    void requireUsable() {
        if (tornDown || this != room.current) {
            throw new RoomClosedException("the connection closed", room.closeReason().orElse(
                    new CloseReason(CloseReason.Cause.CONNECTION_LOST, "connection replaced")));
        }
    }

    String stateOf(SignalTarget target) {
        PeerTransport transport = target == SignalTarget.PUBLISHER ? publisher : subscriber;
        return transport == null ? "not created" : transport.state().name();
    }
}
