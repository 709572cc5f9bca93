package io.openrtc.rtc;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * How a data packet is sent ({@link Room#publishData}).
 *
 * @param reliable              reliable (ordered, retransmitted) or lossy (sent once, unordered)
 * @param topic                 a topic receivers filter on; empty for none
 * @param destinationIdentities the participants to send to; empty sends to everyone in the room
 */
public record DataOptions(boolean reliable, String topic, List<String> destinationIdentities) {

    /**
     * The most user payload one data packet may carry: LiveKit documents 15 KiB per packet (its
     * protocol limit is 16 KiB for the whole packet, including topic and destinations).
     */
    public static final int MAX_PAYLOAD_BYTES = 15_360;

    /** The most one whole data packet may take on the wire (payload, topic, destinations, header). */
    public static final int MAX_PACKET_BYTES = 16_384;

    public DataOptions {
        Objects.requireNonNull(topic, "DataOptions.topic (use \"\" for none)");
        destinationIdentities = List.copyOf(Objects.requireNonNull(destinationIdentities, "DataOptions.destinationIdentities"));
        for (String identity : destinationIdentities) {
            if (identity.isEmpty()) {
                throw new IllegalArgumentException("DataOptions.destinationIdentities must not contain an empty identity");
            }
        }
    }

    /** Reliable, no topic, to everyone: start here ({@code DataOptions.RELIABLE.withTopic("x")}). */
    public static final DataOptions RELIABLE = new DataOptions(true, "", List.of());

    /** Lossy, no topic, to everyone. */
    public static final DataOptions LOSSY = new DataOptions(false, "", List.of());

    /** The same options with this topic. */
    public DataOptions withTopic(String value) {
        return new DataOptions(reliable, value, destinationIdentities);
    }

    /** The same options, sent only to these identities. */
    public DataOptions to(String... identities) {
        return to(Arrays.asList(identities));
    }

    /** The same options, sent only to these identities. */
    public DataOptions to(Collection<String> identities) {
        return new DataOptions(reliable, topic, List.copyOf(identities));
    }
}
