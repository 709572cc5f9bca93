package io.openrtc.rtc;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Options of an outgoing text or byte stream ({@link Room#sendText(String, String, StreamOptions)},
 * {@link Room#streamText(String, StreamOptions)}, {@link Room#sendBytes}).
 *
 * @param attributes            attributes carried in the stream's header (receivers see them, merged
 *                              with the trailer's)
 * @param destinationIdentities the participants to send to; empty sends to everyone
 * @param replyToStreamId       for text: the id of the stream this one answers; empty for none
 */
public record StreamOptions(Map<String, String> attributes, List<String> destinationIdentities, String replyToStreamId) {

    public StreamOptions {
        attributes = Map.copyOf(Objects.requireNonNull(attributes, "StreamOptions.attributes"));
        destinationIdentities = List.copyOf(Objects.requireNonNull(destinationIdentities, "StreamOptions.destinationIdentities"));
        Objects.requireNonNull(replyToStreamId, "StreamOptions.replyToStreamId (use \"\" for none)");
        for (String identity : destinationIdentities) {
            if (identity.isEmpty()) {
                throw new IllegalArgumentException("StreamOptions.destinationIdentities must not contain an empty identity");
            }
        }
    }

    /** No attributes, to everyone, not a reply. */
    public static StreamOptions defaults() {
        return new StreamOptions(Map.of(), List.of(), "");
    }

    /** The same options with these header attributes (replacing any set before). */
    public StreamOptions withAttributes(Map<String, String> value) {
        return new StreamOptions(value, destinationIdentities, replyToStreamId);
    }

    /** The same options with one more header attribute. */
    public StreamOptions withAttribute(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(attributes);
        copy.put(key, value);
        return new StreamOptions(copy, destinationIdentities, replyToStreamId);
    }

    /** The same options, sent only to these identities. */
    public StreamOptions to(String... identities) {
        return to(Arrays.asList(identities));
    }

    /** The same options, sent only to these identities. */
    public StreamOptions to(Collection<String> identities) {
        return new StreamOptions(attributes, List.copyOf(identities), replyToStreamId);
    }

    /** The same options, marked as a reply to the stream {@code streamId}. */
    public StreamOptions replyingTo(String streamId) {
        return new StreamOptions(attributes, destinationIdentities, streamId);
    }
}
