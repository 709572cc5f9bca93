package io.openrtc.rtc;

import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCRtpTransceiverDirection;
import dev.onvoid.webrtc.RTCRtpTransceiverInit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import livekit.LivekitModels;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitRtc;
import livekit.LivekitRtc.AddTrackRequest;
import livekit.LivekitRtc.SignalRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This participant (client-sdk-js's {@code LocalParticipant}): its published audio tracks
 * (publish, unpublish, mute) and its attributes, metadata and name, which are applied again
 * after a rejoin. Its public methods run on callers' threads and hand the signal work to the
 * room's loop.
 */
final class LocalParticipant {

    private static final Logger log = LoggerFactory.getLogger(LocalParticipant.class);

    private final LiveKitRoom room;
    private final CopyOnWriteArrayList<LocalAudioTrack> localTracks = new CopyOnWriteArrayList<>();

    // What the server last said, and what was set through this room (applied again after a rejoin).
    private volatile Participant localParticipant;
    private int localVersion;
    private final AtomicInteger requestIds = new AtomicInteger();
    private final ReentrantLock localStateLock = new ReentrantLock();
    private final Map<String, String> appliedAttributes = new LinkedHashMap<>();
    private String appliedMetadata = "";
    private String appliedName = "";

    LocalParticipant(LiveKitRoom room) {
        this.room = room;
        this.localParticipant = new Participant("", "", "", ParticipantKind.UNKNOWN, "", Map.of(), List.of());
    }

    Participant snapshot() {
        return localParticipant;
    }

    List<LocalAudioTrack> tracks() {
        return List.copyOf(localTracks);
    }

    LocalAudioTrack publishAudio(String name) throws RoomException, InterruptedException {
        Objects.requireNonNull(name, "name");
        RoomConnection c = room.requireConnected();
        LocalAudioTrack track = new LocalAudioTrack(room, name, room.options.publishBufferFrames());
        publishOn(c, track);
        localTracks.add(track);
        return track;
    }

    /** Loop: this participant as the JoinResponse describes it. */
    void joined(ParticipantInfo participant) {
        localParticipant = ParticipantDirectory.toParticipant(participant);
        localVersion = participant.getVersion();
    }

    /** Loop: the server muted or unmuted one of our tracks. */
    void onMute(LivekitRtc.MuteTrackRequest mute) {
        for (LocalAudioTrack track : localTracks) {
            if (track.sid().equals(mute.getSid())) {
                log.info("Room {}: the server {} track '{}'", room.label,
                        mute.getMuted() ? "muted" : "unmuted", track.name());
                track.mutedByServer(mute.getMuted());
            }
        }
    }

    /** After a rejoin (reconnect thread): publishes the same tracks again on the new connection. */
    void republish(RoomConnection c) throws InterruptedException {
        for (LocalAudioTrack track : localTracks) {
            try {
                publishOn(c, track);
            } catch (RoomException e) {
                log.warn("Room {}: could not publish '{}' again after rejoining: {}", room.label, track.name(), e.getMessage());
                localTracks.remove(track);
                track.ended(new CloseReason(CloseReason.Cause.CONNECTION_LOST, "not published again after rejoin"));
            }
        }
    }

    /** Loop, closing the room: every track ends. */
    void ended(CloseReason reason) {
        for (LocalAudioTrack track : localTracks) {
            track.ended(reason);
        }
        localTracks.clear();
    }

    void setAttributes(Map<String, String> attributes) throws RoomException, InterruptedException {
        Objects.requireNonNull(attributes, "attributes");
        for (Map.Entry<String, String> entry : attributes.entrySet()) {
            if (entry.getKey() == null || entry.getKey().isEmpty()) {
                throw new IllegalArgumentException("attribute keys must not be empty");
            }
            Objects.requireNonNull(entry.getValue(), "the value of attribute '" + entry.getKey() + "' (use \"\" to remove it)");
        }
        if (attributes.isEmpty()) {
            return;
        }
        updateLocalParticipant(LivekitRtc.UpdateParticipantMetadata.newBuilder().putAllAttributes(attributes), "attributes");
        localStateLock.lock();
        try {
            attributes.forEach((key, value) -> {
                if (value.isEmpty()) {
                    appliedAttributes.remove(key);
                } else {
                    appliedAttributes.put(key, value);
                }
            });
        } finally {
            localStateLock.unlock();
        }
    }

    void setMetadata(String metadata) throws RoomException, InterruptedException {
        Objects.requireNonNull(metadata, "metadata");
        if (metadata.isEmpty()) {
            throw new IllegalArgumentException("metadata must not be empty: LiveKit takes an empty metadata as "
                    + "\"unchanged\", so a participant cannot clear its own");
        }
        updateLocalParticipant(LivekitRtc.UpdateParticipantMetadata.newBuilder().setMetadata(metadata), "metadata");
        localStateLock.lock();
        try {
            appliedMetadata = metadata;
        } finally {
            localStateLock.unlock();
        }
    }

    void setName(String name) throws RoomException, InterruptedException {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("name must not be empty: LiveKit takes an empty name as \"unchanged\"");
        }
        updateLocalParticipant(LivekitRtc.UpdateParticipantMetadata.newBuilder().setName(name), "name");
        localStateLock.lock();
        try {
            appliedName = name;
        } finally {
            localStateLock.unlock();
        }
    }

    /**
     * Sends an {@code UpdateParticipantMetadata} with a request id and waits for the server's
     * {@code request_response} to it. Waits while the room reconnects; a request lost with a
     * replaced connection is sent again on the new one.
     */
    private void updateLocalParticipant(LivekitRtc.UpdateParticipantMetadata.Builder update, String what)
            throws RoomException, InterruptedException {
        long deadline = System.nanoTime() + room.options.requestTimeout().toNanos();
        while (true) {
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            room.awaitConnected(left, "updating this participant's " + what);
            int requestId = requestIds.incrementAndGet();
            CompletableFuture<Void> reply = room.loop.run(() -> {
                RoomConnection c = room.current;
                if (room.state != LiveKitRoom.State.CONNECTED || c == null || c.tornDown) {
                    return null;
                }
                CompletableFuture<Void> answer = new CompletableFuture<>();
                c.pendingRequests.put(requestId, answer);
                c.signal.send(SignalRequest.newBuilder().setUpdateMetadata(update.clone().setRequestId(requestId)).build());
                return answer;
            });
            if (reply == null) {
                continue; // the connection went away between the two steps: wait for it again
            }
            try {
                reply.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                return;
            } catch (TimeoutException e) {
                throw new RoomException("the server did not confirm the update of this participant's " + what + " within "
                        + room.options.requestTimeout().toMillis() + " ms");
            } catch (ExecutionException e) {
                if (e.getCause() == RoomConnection.CONNECTION_REPLACED && System.nanoTime() < deadline) {
                    continue;
                }
                if (e.getCause() instanceof RoomException refused) {
                    throw new RoomException("updating this participant's " + what + " failed: " + refused.getMessage(), refused);
                }
                throw new RoomException("updating this participant's " + what + " failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /** After a rejoin: applies again the attributes, metadata and name set through this room. */
    void reapplyLocalState(RoomConnection c) throws InterruptedException {
        LivekitRtc.UpdateParticipantMetadata.Builder update = LivekitRtc.UpdateParticipantMetadata.newBuilder();
        localStateLock.lock();
        try {
            if (appliedAttributes.isEmpty() && appliedMetadata.isEmpty() && appliedName.isEmpty()) {
                return;
            }
            update.putAllAttributes(appliedAttributes).setMetadata(appliedMetadata).setName(appliedName);
        } finally {
            localStateLock.unlock();
        }
        int requestId = requestIds.incrementAndGet();
        CompletableFuture<Void> reply = room.loop.callOrNull(() -> {
            if (c.tornDown || c != room.current) {
                return null;
            }
            CompletableFuture<Void> answer = new CompletableFuture<>();
            c.pendingRequests.put(requestId, answer);
            c.signal.send(SignalRequest.newBuilder().setUpdateMetadata(update.setRequestId(requestId)).build());
            return answer;
        });
        if (reply == null) {
            return;
        }
        try {
            reply.get(room.options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Room {}: could not apply this participant's attributes, metadata and name again after the rejoin: {}",
                    room.label, e instanceof ExecutionException ? e.getCause().getMessage() : "no answer in time");
        }
    }

    private void publishOn(RoomConnection c, LocalAudioTrack track) throws RoomException, InterruptedException {
        String cid = UUID.randomUUID().toString();
        AudioSender sender = AudioSender.create(room.runtime.sendingFactory(), track, cid, room.counters,
                room.options.silenceOnUnderrun());
        String step = "add_track";
        try {
            CompletableFuture<TrackInfo> published = room.loop.run(() -> {
                c.requireUsable();
                CompletableFuture<TrackInfo> reply = new CompletableFuture<>();
                c.pendingTracks.put(cid, reply);
                c.signal.send(SignalRequest.newBuilder().setAddTrack(AddTrackRequest.newBuilder()
                        .setCid(cid)
                        .setName(track.name())
                        .setType(LivekitModels.TrackType.AUDIO)
                        .setSource(LivekitModels.TrackSource.MICROPHONE)
                        .setMuted(track.isMuted())).build());
                return reply;
            });
            TrackInfo info = awaitReply(published, "the server did not answer within "
                    + room.options.requestTimeout().toMillis() + " ms");
            step = "negotiation";
            CompletableFuture<Void> negotiated = room.loop.run(() -> {
                c.requireUsable();
                RTCRtpTransceiverInit init = new RTCRtpTransceiverInit();
                init.direction = RTCRtpTransceiverDirection.SEND_ONLY;
                init.streamIds = List.of(room.localSid.isEmpty() ? "openrtc" : room.localSid);
                RTCRtpTransceiver transceiver = c.publisher.pc().addTransceiver(sender.nativeTrack(), init);
                sender.attached(transceiver.getSender());
                c.senders.put(track, sender);
                return room.negotiation.negotiatePublisher(c);
            });
            awaitReply(negotiated, "the publisher was not renegotiated within " + room.options.requestTimeout().toMillis() + " ms");
            track.published(info.getSid());
            room.pacer.add(sender);
            log.debug("Room {}: published audio '{}' as {}", room.label, track.name(), info.getSid());
        } catch (RoomException | InterruptedException | RuntimeException e) {
            boolean queued = room.loop.execute(() -> {
                c.pendingTracks.remove(cid);
                if (c.senders.remove(track) == sender) {
                    removeSender(c, sender);
                }
                sender.dispose();
            });
            if (!queued) {
                sender.dispose(); // the room finished; its teardown already took the track off
            }
            if (e instanceof RoomClosedException || e instanceof InterruptedException) {
                throw e;
            }
            throw new RoomException("publishing audio track '" + track.name() + "' failed at step " + step + ": "
                    + e.getMessage(), e);
        }
    }

    private <T> T awaitReply(CompletableFuture<T> reply, String timeoutMessage) throws RoomException, InterruptedException {
        try {
            return reply.get(room.options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new RoomException(timeoutMessage);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RoomClosedException closed) {
                throw closed;
            }
            throw new RoomException(e.getCause().getMessage(), e.getCause());
        }
    }

    void unpublish(LocalAudioTrack track) throws InterruptedException {
        if (!localTracks.remove(track)) {
            return;
        }
        track.ended(new CloseReason(CloseReason.Cause.CLIENT_LEFT, "track unpublished"));
        CompletableFuture<Void> renegotiated = room.loop.callOrNull(() -> {
            RoomConnection c = room.current;
            if (c == null) {
                return null;
            }
            AudioSender sender = c.senders.remove(track);
            if (sender == null) {
                return null;
            }
            CompletableFuture<Void> done = removeSender(c, sender);
            sender.dispose();
            return done;
        });
        if (renegotiated != null) {
            try {
                renegotiated.get(room.options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                log.debug("Room {}: renegotiation after unpublishing '{}' did not complete: {}", room.label, track.name(),
                        e.toString());
            }
        }
    }

    void sendMute(LocalAudioTrack track, boolean muted) {
        room.loop.execute(() -> {
            RoomConnection c = room.current;
            if (c != null && !c.tornDown && !track.sid().isEmpty()) {
                c.signal.send(SignalRequest.newBuilder().setMute(LivekitRtc.MuteTrackRequest.newBuilder()
                        .setSid(track.sid()).setMuted(muted)).build());
            }
        });
    }

    /** Loop: stops pushing a sender and takes its track off the publisher; returns the renegotiation. */
    private CompletableFuture<Void> removeSender(RoomConnection c, AudioSender sender) {
        room.pacer.remove(sender);
        sender.stopPushing();
        if (sender.rtpSender() == null || c.publisher == null || c.publisher.isClosed()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            c.publisher.pc().removeTrack(sender.rtpSender());
        } catch (RuntimeException e) {
            log.debug("Room {}: removing a track from the publisher failed: {}", room.label, e.toString());
        }
        return c.tornDown ? CompletableFuture.completedFuture(null) : room.negotiation.negotiatePublisher(c);
    }

    /** Loop: the server's description of this participant. */
    void updatedByServer(ParticipantInfo info) {
        if (info.getSid().equals(room.localSid) && info.getVersion() >= localVersion
                && info.getState() != ParticipantInfo.State.DISCONNECTED) {
            Participant before = localParticipant;
            localParticipant = ParticipantDirectory.toParticipant(info);
            localVersion = info.getVersion();
            List<RoomEvent> changes = new ArrayList<>();
            ParticipantDirectory.diffDetails(before, localParticipant, changes);
            changes.forEach(room.events::emit);
        }
    }
}
