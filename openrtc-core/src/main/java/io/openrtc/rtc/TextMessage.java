package io.openrtc.rtc;

import java.util.Map;
import java.util.Objects;

/**
 * A whole text stream another participant sent: its header, every chunk in order, and its
 * trailer ({@link Room#texts(String)}). LiveKit clients send one stream per chat message
 * ({@code sendText}) and one stream per transcript segment.
 *
 * @param streamId        the stream's id (unique per stream)
 * @param senderIdentity  who sent it (for transcripts an agent publishes on a user's behalf, that user)
 * @param topic           its topic, for example {@code lk.chat}
 * @param text            the whole text
 * @param attributes      the header's attributes with the trailer's merged over them
 * @param replyToStreamId the stream it answers, empty if none
 * @param timestampMillis when the sender opened it (epoch milliseconds, the sender's clock)
 */
public record TextMessage(String streamId, String senderIdentity, String topic, String text,
        Map<String, String> attributes, String replyToStreamId, long timestampMillis) {

    public TextMessage {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(senderIdentity, "senderIdentity");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(text, "text");
        attributes = Map.copyOf(attributes);
        Objects.requireNonNull(replyToStreamId, "replyToStreamId");
    }

    /** An attribute's value, or {@code ""}. */
    public String attribute(String key) {
        return attributes.getOrDefault(key, "");
    }
}
