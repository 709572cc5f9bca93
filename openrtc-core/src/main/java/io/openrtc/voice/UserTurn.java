package io.openrtc.voice;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One turn of the user: what they said (or typed) and when.
 *
 * @param participantIdentity who spoke
 * @param trackSid            the audio track the words came from; empty for typed text
 * @param text                the words, as speech-to-text wrote them (or as typed)
 * @param speechStartedAt     when the user began speaking (for typed text: when it arrived)
 * @param speechEndedAt       when the user stopped speaking (for typed text: when it arrived)
 * @param committedAt         when the turn was judged complete and handed to the agent
 * @param transcriptionDelay  how long speech-to-text took for the last utterance of the turn
 * @param speechAudio         how much audio went to speech-to-text for the turn (zero for typed text)
 * @param source              how the turn came in
 */
public record UserTurn(String participantIdentity, String trackSid, String text, Instant speechStartedAt,
                       Instant speechEndedAt, Instant committedAt, Duration transcriptionDelay, Duration speechAudio,
                       Source source) {

    /** How a turn came in. */
    public enum Source {
        /** Spoken, and transcribed. */
        SPEECH,
        /** Typed in the chat ({@code lk.chat}). */
        TEXT
    }

    public UserTurn {
        Objects.requireNonNull(participantIdentity, "participantIdentity");
        Objects.requireNonNull(trackSid, "trackSid");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(speechStartedAt, "speechStartedAt");
        Objects.requireNonNull(speechEndedAt, "speechEndedAt");
        Objects.requireNonNull(committedAt, "committedAt");
        Objects.requireNonNull(transcriptionDelay, "transcriptionDelay");
        Objects.requireNonNull(speechAudio, "speechAudio");
        Objects.requireNonNull(source, "source");
    }

    /** A typed turn: {@code text} from {@code participantIdentity}, arrived now. */
    public static UserTurn typed(String participantIdentity, String text) {
        Instant now = Instant.now();
        return new UserTurn(participantIdentity, "", text, now, now, now, Duration.ZERO, Duration.ZERO, Source.TEXT);
    }

    /**
     * This turn and {@code next} as one: the user said both before the agent could answer the
     * first, so one answer takes them together.
     */
    public UserTurn followedBy(UserTurn next) {
        return new UserTurn(next.participantIdentity, next.trackSid.isEmpty() ? trackSid : next.trackSid,
                (text + " " + next.text).strip(), speechStartedAt, next.speechEndedAt, next.committedAt,
                next.transcriptionDelay, speechAudio.plus(next.speechAudio), next.source);
    }

    /** From the end of the user's speech to the moment the turn was handed over. */
    public Duration endOfTurnDelay() {
        return Duration.between(speechEndedAt, committedAt);
    }
}
