package io.openrtc.rtc;

import java.util.Objects;

/**
 * One segment of a transcript, in LiveKit's convention ({@link Transcription}): the words one
 * participant spoke on one audio track. Interim versions of a segment and its final version share
 * the segment id; front ends show the newest.
 *
 * @param segmentId           the segment's id ({@link Transcription#newSegmentId()})
 * @param participantIdentity who spoke: this room's own identity for its own speech, or another
 *                            participant's for words this participant (an agent) transcribed for
 *                            them, which LiveKit delivers as sent on that participant's behalf
 * @param trackSid            the {@code TR_...} sid of the audio track the words were spoken on
 * @param text                the segment's whole text so far
 * @param isFinal             whether the text is final
 */
public record TranscriptSegment(String segmentId, String participantIdentity, String trackSid, String text, boolean isFinal) {

    public TranscriptSegment {
        Objects.requireNonNull(segmentId, "segmentId");
        Objects.requireNonNull(participantIdentity, "participantIdentity");
        Objects.requireNonNull(trackSid, "trackSid");
        Objects.requireNonNull(text, "text");
        if (segmentId.isEmpty()) {
            throw new IllegalArgumentException("segmentId must not be empty");
        }
        if (trackSid.isEmpty()) {
            throw new IllegalArgumentException("trackSid must name the audio track (TR_...) the words were spoken on");
        }
    }
}
