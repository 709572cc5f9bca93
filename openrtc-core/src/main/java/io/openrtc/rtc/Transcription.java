package io.openrtc.rtc;

import java.util.UUID;

/**
 * LiveKit's transcript convention, as its agent front ends read it: text streams on topic
 * {@value #TOPIC}, one stream per segment, with attributes naming the segment, the audio track
 * the words belong to and whether the segment is final. An agent publishing its own speech
 * opens one stream per segment ({@link Room#streamTranscript(String)}), writes the words as they
 * come (deltas) and closes it, which sends {@code lk.transcription_final = "true"} in the trailer.
 * UIs group streams by segment id and show the newest text of each.
 */
public final class Transcription {

    /** The text stream topic of transcripts. */
    public static final String TOPIC = "lk.transcription";
    /** Attribute: the segment's id (agents use {@code SG_} and a short random id). */
    public static final String SEGMENT_ID = "lk.segment_id";
    /** Attribute: the {@code TR_...} sid of the audio track the words were spoken on. */
    public static final String TRANSCRIBED_TRACK_ID = "lk.transcribed_track_id";
    /** Attribute: {@code "true"} once the segment's text is final, else {@code "false"}. */
    public static final String FINAL = "lk.transcription_final";

    private Transcription() {
    }

    /** A new segment id, {@code SG_} followed by 12 hex digits. */
    public static String newSegmentId() {
        return "SG_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** Whether a received transcript stream is final. */
    public static boolean isFinal(TextMessage message) {
        return "true".equals(message.attribute(FINAL));
    }

    /** A received transcript's segment id, or "". */
    public static String segmentId(TextMessage message) {
        return message.attribute(SEGMENT_ID);
    }

    /** The sid of the track a received transcript belongs to, or "". */
    public static String transcribedTrackId(TextMessage message) {
        return message.attribute(TRANSCRIBED_TRACK_ID);
    }
}
