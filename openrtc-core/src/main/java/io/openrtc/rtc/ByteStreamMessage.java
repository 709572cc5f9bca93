package io.openrtc.rtc;

import java.util.Map;
import java.util.Objects;

/**
 * A whole byte stream another participant sent (a file, an image, a browser's pre-connect audio
 * buffer): {@link Room#byteStreams(String)}.
 *
 * @param streamId        the stream's id
 * @param senderIdentity  who sent it
 * @param topic           its topic
 * @param name            the name the sender gave it (a file name), may be empty
 * @param mimeType        its MIME type ({@code application/octet-stream} unless the sender said otherwise)
 * @param content         its bytes (owned by this message)
 * @param attributes      the header's attributes with the trailer's merged over them
 * @param timestampMillis when the sender opened it (epoch milliseconds, the sender's clock)
 */
public record ByteStreamMessage(String streamId, String senderIdentity, String topic, String name, String mimeType,
        byte[] content, Map<String, String> attributes, long timestampMillis) {

    public ByteStreamMessage {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(senderIdentity, "senderIdentity");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mimeType, "mimeType");
        Objects.requireNonNull(content, "content");
        attributes = Map.copyOf(attributes);
    }

    @Override
    public String toString() {
        return "ByteStreamMessage[" + streamId + " from " + senderIdentity + ", topic '" + topic + "', '" + name + "' "
                + mimeType + ", " + content.length + " bytes]";
    }
}
