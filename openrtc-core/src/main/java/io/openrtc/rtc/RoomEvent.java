package io.openrtc.rtc;

import java.util.Map;
import java.util.Objects;

/**
 * Something that happened in a room, in the order it happened. {@link Closed} is always the last
 * event of a room. Received data, text and byte streams are not events: read them with
 * {@link Room#texts(String)}, {@link Room#byteStreams(String)} and {@link Room#dataMessages(String)}.
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
     * A participant's attributes changed (this participant's own too, once the server applied
     * them). {@code changed} holds the keys that were added or changed with their new values, and
     * removed keys with {@code ""}.
     */
    record ParticipantAttributesChanged(Participant participant, Map<String, String> changed) implements RoomEvent {
        public ParticipantAttributesChanged {
            Objects.requireNonNull(participant, "participant");
            changed = Map.copyOf(changed);
        }
    }

    /** A participant's metadata changed (this participant's own too). */
    record ParticipantMetadataChanged(Participant participant, String previousMetadata) implements RoomEvent {
        public ParticipantMetadataChanged {
            Objects.requireNonNull(participant, "participant");
            Objects.requireNonNull(previousMetadata, "previousMetadata");
        }
    }

    /** A participant's name changed (this participant's own too). */
    record ParticipantNameChanged(Participant participant, String previousName) implements RoomEvent {
        public ParticipantNameChanged {
            Objects.requireNonNull(participant, "participant");
            Objects.requireNonNull(previousName, "previousName");
        }
    }

    /**
     * The connection to the server dropped and the room is reconnecting: it tries to resume the
     * connection, and rejoins if that fails. Published tracks stay usable (writes wait), sends of
     * data wait (bounded), and readers keep reading.
     */
    record Reconnecting(String cause) implements RoomEvent {
        public Reconnecting {
            Objects.requireNonNull(cause, "cause");
        }
    }

    /**
     * The room is connected again after {@link Reconnecting}. With {@link ReconnectMode#RESUMED}
     * nothing was lost; with {@link ReconnectMode#REJOINED} remote tracks were subscribed anew and
     * in-flight data was reset (see {@link ReconnectMode}).
     */
    record Reconnected(ReconnectMode mode) implements RoomEvent {
        public Reconnected {
            Objects.requireNonNull(mode, "mode");
        }
    }

    /** The room closed; nothing follows. */
    record Closed(CloseReason reason) implements RoomEvent {
        public Closed {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
