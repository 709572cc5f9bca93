package io.openrtc.rtc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import livekit.LivekitModels;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;

/**
 * The remote participants of a room and their published tracks, kept current from the
 * JoinResponse and every ParticipantUpdate, turning each change into {@link RoomEvent}s.
 *
 * <p>Updates are keyed by identity; an update older than the stored one (lower {@code version}
 * for the same sid) is ignored; a new sid under a known identity is a rejoin (left, then joined).
 * Mutated only by the room's event loop; {@link #snapshot()} is safe from any thread.
 */
final class ParticipantDirectory {

    private record Entry(Participant participant, int version) {
    }

    private final Map<String, Entry> byIdentity = new LinkedHashMap<>();
    private volatile Map<String, Participant> snapshot = Map.of();

    /** Replaces everything with the participants of a JoinResponse, without events. */
    void reset(List<ParticipantInfo> others) {
        byIdentity.clear();
        for (ParticipantInfo info : others) {
            if (!info.getIdentity().isEmpty() && info.getState() != ParticipantInfo.State.DISCONNECTED) {
                byIdentity.put(info.getIdentity(), new Entry(toParticipant(info), info.getVersion()));
            }
        }
        publish();
    }

    /** Applies a ParticipantUpdate (our own entry excluded by the caller) and returns what changed. */
    List<RoomEvent> apply(List<ParticipantInfo> infos) {
        List<RoomEvent> events = new ArrayList<>();
        for (ParticipantInfo info : infos) {
            String identity = info.getIdentity();
            if (identity.isEmpty()) {
                identity = identityOfSid(info.getSid()).orElse("");
                if (identity.isEmpty()) {
                    continue;
                }
                // Known by its sid: it keeps its identity (found by SignalMessageFuzzTest: it was
                // stored as a participant with an empty identity under its old one).
                info = info.toBuilder().setIdentity(identity).build();
            }
            Entry old = byIdentity.get(identity);
            if (info.getState() == ParticipantInfo.State.DISCONNECTED) {
                if (old != null && old.participant().sid().equals(info.getSid())) {
                    removed(identity, old, events);
                }
                continue;
            }
            Participant now = toParticipant(info);
            if (old != null && old.participant().sid().equals(info.getSid())) {
                if (info.getVersion() < old.version()) {
                    continue;
                }
                byIdentity.put(identity, new Entry(now, info.getVersion()));
                diffTracks(old.participant(), now, events);
                diffDetails(old.participant(), now, events);
            } else {
                if (old != null) {
                    removed(identity, old, events);
                }
                byIdentity.put(identity, new Entry(now, info.getVersion()));
                events.add(new RoomEvent.ParticipantJoined(now));
                for (TrackPublication track : now.tracks()) {
                    events.add(new RoomEvent.TrackPublished(now, track));
                }
            }
        }
        publish();
        return events;
    }

    /** The participant publishing {@code trackSid}, if known. */
    Optional<Participant> ownerOf(String trackSid) {
        for (Entry entry : byIdentity.values()) {
            if (entry.participant().track(trackSid).isPresent()) {
                return Optional.of(entry.participant());
            }
        }
        return Optional.empty();
    }

    /** The participants as of the last update; safe from any thread. */
    Map<String, Participant> snapshot() {
        return snapshot;
    }

    private void removed(String identity, Entry old, List<RoomEvent> events) {
        byIdentity.remove(identity);
        for (TrackPublication track : old.participant().tracks()) {
            events.add(new RoomEvent.TrackUnpublished(old.participant(), track));
        }
        events.add(new RoomEvent.ParticipantLeft(old.participant()));
    }

    private static void diffTracks(Participant before, Participant after, List<RoomEvent> events) {
        for (TrackPublication track : after.tracks()) {
            if (before.track(track.sid()).isEmpty()) {
                events.add(new RoomEvent.TrackPublished(after, track));
            }
        }
        for (TrackPublication track : before.tracks()) {
            if (after.track(track.sid()).isEmpty()) {
                events.add(new RoomEvent.TrackUnpublished(after, track));
            }
        }
    }

    /** Events for changed attributes, metadata and name between two snapshots of one participant. */
    static void diffDetails(Participant before, Participant after, List<RoomEvent> events) {
        Map<String, String> changed = new LinkedHashMap<>();
        after.attributes().forEach((key, value) -> {
            if (!value.equals(before.attributes().get(key))) {
                changed.put(key, value);
            }
        });
        for (String key : before.attributes().keySet()) {
            if (!after.attributes().containsKey(key)) {
                changed.put(key, "");
            }
        }
        if (!changed.isEmpty()) {
            events.add(new RoomEvent.ParticipantAttributesChanged(after, changed));
        }
        if (!before.metadata().equals(after.metadata())) {
            events.add(new RoomEvent.ParticipantMetadataChanged(after, before.metadata()));
        }
        if (!before.name().equals(after.name())) {
            events.add(new RoomEvent.ParticipantNameChanged(after, before.name()));
        }
    }

    private Optional<String> identityOfSid(String sid) {
        return byIdentity.values().stream().map(Entry::participant).filter(p -> p.sid().equals(sid))
                .map(Participant::identity).findFirst();
    }

    private void publish() {
        Map<String, Participant> copy = new LinkedHashMap<>();
        byIdentity.forEach((identity, entry) -> copy.put(identity, entry.participant()));
        snapshot = java.util.Collections.unmodifiableMap(copy);
    }

    static Participant toParticipant(ParticipantInfo info) {
        List<TrackPublication> tracks = new ArrayList<>();
        for (TrackInfo track : info.getTracksList()) {
            tracks.add(toPublication(track));
        }
        return new Participant(info.getSid(), info.getIdentity(), info.getName(), kind(info.getKind()),
                info.getMetadata(), info.getAttributesMap(), tracks);
    }

    static TrackPublication toPublication(TrackInfo track) {
        TrackKind kind = switch (track.getType()) {
            case AUDIO -> TrackKind.AUDIO;
            case VIDEO -> TrackKind.VIDEO;
            case DATA -> TrackKind.DATA;
            default -> TrackKind.UNKNOWN;
        };
        TrackSource source = switch (track.getSource()) {
            case CAMERA -> TrackSource.CAMERA;
            case MICROPHONE -> TrackSource.MICROPHONE;
            case SCREEN_SHARE -> TrackSource.SCREEN_SHARE;
            case SCREEN_SHARE_AUDIO -> TrackSource.SCREEN_SHARE_AUDIO;
            default -> TrackSource.UNKNOWN;
        };
        return new TrackPublication(track.getSid(), track.getName(), kind, source, track.getMuted(), track.getMimeType());
    }

    private static ParticipantKind kind(LivekitModels.ParticipantInfo.Kind kind) {
        return switch (kind) {
            case STANDARD -> ParticipantKind.STANDARD;
            case INGRESS -> ParticipantKind.INGRESS;
            case EGRESS -> ParticipantKind.EGRESS;
            case SIP -> ParticipantKind.SIP;
            case AGENT -> ParticipantKind.AGENT;
            case CONNECTOR -> ParticipantKind.CONNECTOR;
            default -> ParticipantKind.UNKNOWN;
        };
    }
}
