package io.openrtc.rtc;

import java.util.Objects;

/**
 * Something that happened in a room, in the order it happened. {@link Closed} is always the last
 * event of a room. (Rooms part 2 adds data, text stream and attribute events.)
 */
public sealed interface RoomEvent {

    /** A participant joined (participants already present at join time are not announced). */
    record ParticipantJoined(Participant participant) implements RoomEvent {
        public ParticipantJoined {
            Objects.requireNonNull(participant, "participant");
        }
    }

    /** A participant left; its tracks are gone. */
    record ParticipantLeft(Participant participant) implements RoomEvent {
        public ParticipantLeft {
            Objects.requireNonNull(participant, "participant");
        }
    }

    /** A remote participant published a track. */
    record TrackPublished(Participant participant, TrackPublication track) implements RoomEvent {
        public TrackPublished {
            Objects.requireNonNull(participant, "participant");
            Objects.requireNonNull(track, "track");
        }
    }

    /** A remote participant unpublished a track (or left with it). */
    record TrackUnpublished(Participant participant, TrackPublication track) implements RoomEvent {
        public TrackUnpublished {
            Objects.requireNonNull(participant, "participant");
            Objects.requireNonNull(track, "track");
        }
    }

    /** A remote audio track is subscribed: its audio can be read with {@link RemoteAudioTrack#openStream()}. */
    record TrackSubscribed(Participant participant, RemoteAudioTrack track) implements RoomEvent {
        public TrackSubscribed {
            Objects.requireNonNull(participant, "participant");
            Objects.requireNonNull(track, "track");
        }
    }

    /** A subscribed remote audio track ended; its streams have ended. */
    record TrackUnsubscribed(String participantIdentity, RemoteAudioTrack track) implements RoomEvent {
        public TrackUnsubscribed {
            Objects.requireNonNull(participantIdentity, "participantIdentity");
            Objects.requireNonNull(track, "track");
        }
    }

    /**
     * The connection to the server dropped and the room is rejoining. Remote tracks have ended;
     * published tracks stay usable (writes wait) and are published again after the rejoin.
     */
    record Reconnecting(String cause) implements RoomEvent {
        public Reconnecting {
            Objects.requireNonNull(cause, "cause");
        }
    }

    /** The room rejoined after {@link Reconnecting}; remote tracks are subscribed anew. */
    record Reconnected() implements RoomEvent {
    }

    /** The room closed; nothing follows. */
    record Closed(CloseReason reason) implements RoomEvent {
        public Closed {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
