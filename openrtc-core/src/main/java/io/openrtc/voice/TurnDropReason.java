package io.openrtc.voice;

/**
 * Why a user turn got no answer ({@link VoiceEvent.UserTurnDropped}): the closed set the
 * {@code openrtc.voice.turns.dropped} meter counts by.
 */
public enum TurnDropReason {
    /** Only filler words ("mhm", "uh-huh") while the agent spoke: a backchannel, not a turn. */
    BACKCHANNEL,
    /** The user went on speaking (or a newer turn came) before the answer was heard; both turns are in the history. */
    SUPERSEDED,
    /** Turns piled up with nobody taking them (an agent that does not call {@code listen()}). */
    QUEUE_FULL,
    /** The pipeline switched to another participant before the turn was complete. */
    PARTICIPANT_CHANGED,
    /** A provider (the model, text-to-speech) failed; the apology, if any, was said instead. */
    PROVIDER_FAILED,
    /** The model answered with nothing to say. */
    NO_ANSWER,
    /** The session ended first. */
    SESSION_ENDED;

    /** The meter's tag value: {@code superseded}, {@code provider_failed}, ... */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
