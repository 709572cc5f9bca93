package io.openrtc.rtc;

import dev.onvoid.webrtc.media.audio.AudioTrack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import livekit.LivekitModels.ParticipantInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A room's remote participants and the audio tracks it receives from them (client-sdk-js's
 * {@code RemoteParticipant} side of {@code Room}): participant updates become events, subscribed
 * tracks become {@link RemoteAudioTrack}s. Loop-owned; the track list is published for readers
 * on other threads.
 */
final class RemoteParticipants {

    private static final Logger log = LoggerFactory.getLogger(RemoteParticipants.class);

    private final LiveKitRoom room;
    private final ParticipantDirectory directory = new ParticipantDirectory();
    private final ReentrantLock tracksLock = new ReentrantLock();
    private final Condition tracksChanged = tracksLock.newCondition();
    private volatile List<RemoteAudioTrack> audioTrackList = List.of();
    private final Map<String, RemoteAudioTrack> remoteTracks = new LinkedHashMap<>();

    RemoteParticipants(LiveKitRoom room) {
        this.room = room;
    }

    /** Thread-safe. */
    Map<String, Participant> snapshot() {
        return directory.snapshot();
    }

    /** Loop: the participants a JoinResponse lists. */
    void reset(List<ParticipantInfo> others) {
        directory.reset(others);
    }

    /** Thread-safe. */
    List<RemoteAudioTrack> audioTracks() {
        return audioTrackList;
    }

    Optional<RemoteAudioTrack> awaitAudioTrack(Predicate<? super RemoteAudioTrack> filter, Duration timeout)
            throws InterruptedException {
        long nanos = timeout.toNanos();
        tracksLock.lockInterruptibly();
        try {
            while (true) {
                for (RemoteAudioTrack track : audioTrackList) {
                    if (filter.test(track)) {
                        return Optional.of(track);
                    }
                }
                if (room.state == LiveKitRoom.State.CLOSED || nanos <= 0) {
                    return Optional.empty();
                }
                nanos = tracksChanged.awaitNanos(nanos);
            }
        } finally {
            tracksLock.unlock();
        }
    }

    /** Loop: a participant update from the server (ours goes to the local participant). */
    void onParticipantUpdate(RoomConnection c, List<ParticipantInfo> infos) {
        List<ParticipantInfo> others = new ArrayList<>(infos.size());
        for (ParticipantInfo info : infos) {
            boolean self = info.getSid().equals(room.localSid)
                    || (!info.getIdentity().isEmpty() && info.getIdentity().equals(room.localIdentity));
            if (!self) {
                others.add(info);
            } else {
                room.local.updatedByServer(info);
            }
        }
        for (RoomEvent event : directory.apply(others)) {
            if (event instanceof RoomEvent.TrackUnpublished unpublished) {
                endRemoteTrack(unpublished.track().sid());
            }
            if (event instanceof RoomEvent.ParticipantLeft left) {
                room.data.receiver().participantLeft(left.participant());
            }
            room.events.emit(event);
        }
        // Tracks whose owner was unknown when they arrived.
        for (var parked : new ArrayList<>(c.parkedTracks.entrySet())) {
            directory.ownerOf(parked.getKey()).ifPresent(owner -> {
                c.parkedTracks.remove(parked.getKey());
                subscribed(c, parked.getKey(), owner, parked.getValue());
            });
        }
    }

    /** Loop: webrtc delivered a remote audio track on the subscriber. */
    void onRemoteTrack(RoomConnection c, String mid, AudioTrack track) {
        if (c.tornDown) {
            return;
        }
        String trackSid = c.midToTrackId.get(mid);
        if (trackSid == null) {
            log.warn("Room {}: a remote audio track arrived on mid {} with no track id in the offer; ignored", room.label, mid);
            return;
        }
        Optional<Participant> owner = directory.ownerOf(trackSid);
        if (owner.isEmpty()) {
            c.parkedTracks.put(trackSid, track);
            return;
        }
        subscribed(c, trackSid, owner.get(), track);
    }

    private void subscribed(RoomConnection c, String trackSid, Participant owner, AudioTrack track) {
        endRemoteTrack(trackSid);
        TrackPublication publication = owner.track(trackSid).orElseThrow();
        PeerTransport subscriber = c.subscriber;
        RemoteAudioTrack remote = new RemoteAudioTrack(trackSid, owner.identity(), publication, track,
                room.options.receiveBufferFrames(), room.counters, () -> subscriber == null
                        ? CompletableFuture.completedFuture(Optional.empty())
                        : subscriber.stats(Duration.ofSeconds(1)));
        remoteTracks.put(trackSid, remote);
        publishTrackList();
        room.events.emit(new RoomEvent.TrackSubscribed(owner, remote));
    }

    private void endRemoteTrack(String trackSid) {
        RemoteAudioTrack remote = remoteTracks.remove(trackSid);
        if (remote != null) {
            remote.end();
            publishTrackList();
            room.events.emit(new RoomEvent.TrackUnsubscribed(remote.participantIdentity(), remote));
        }
    }

    /** Loop: ends every remote track (a connection is released). */
    void endAll() {
        for (String trackSid : new ArrayList<>(remoteTracks.keySet())) {
            endRemoteTrack(trackSid);
        }
    }

    /** Wakes {@link #awaitAudioTrack} waiters (also when the room closes). */
    void publishTrackList() {
        tracksLock.lock();
        try {
            audioTrackList = List.copyOf(remoteTracks.values());
            tracksChanged.signalAll();
        } finally {
            tracksLock.unlock();
        }
    }
}
