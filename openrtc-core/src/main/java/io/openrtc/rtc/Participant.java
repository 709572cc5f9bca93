package io.openrtc.rtc;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a participant of the room. The room replaces it with a new snapshot whenever the
 * server reports a change; fetch it again from {@link Room#remoteParticipant(String)} for the
 * current state.
 *
 * @param sid        the server's participant id ({@code PA_...}); changes when the participant rejoins
 * @param identity   the identity from its token, unique in the room
 * @param name       its display name (may be empty)
 * @param kind       standard, agent, SIP and so on
 * @param metadata   its metadata (may be empty)
 * @param attributes its attributes
 * @param tracks     the tracks it publishes
 */
public record Participant(String sid, String identity, String name, ParticipantKind kind, String metadata,
        Map<String, String> attributes, List<TrackPublication> tracks) {

    public Participant {
        Objects.requireNonNull(sid, "sid");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(metadata, "metadata");
        attributes = Map.copyOf(attributes);
        tracks = List.copyOf(tracks);
    }

    /** The published track with this sid, if it publishes it. */
    public Optional<TrackPublication> track(String trackSid) {
        return tracks.stream().filter(t -> t.sid().equals(trackSid)).findFirst();
    }
}
