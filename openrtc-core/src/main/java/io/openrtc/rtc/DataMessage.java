package io.openrtc.rtc;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A data packet another participant published ({@link Room#dataMessages(String)}).
 *
 * @param senderIdentity the sender's identity (empty when the server itself sent it, e.g. RoomService {@code SendData})
 * @param topic          its topic, empty when it had none
 * @param payload        its bytes (a copy owned by this message)
 * @param reliable       whether it came on the reliable channel
 */
public record DataMessage(String senderIdentity, String topic, byte[] payload, boolean reliable) {

    public DataMessage {
        Objects.requireNonNull(senderIdentity, "senderIdentity");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
    }

    /** The payload decoded as UTF-8 (invalid bytes become U+FFFD). */
    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "DataMessage[from " + senderIdentity + ", topic '" + topic + "', " + payload.length + " bytes, "
                + (reliable ? "reliable" : "lossy") + "]";
    }
}
