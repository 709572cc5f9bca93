package io.openrtc.rtc;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import livekit.LivekitModels.DataPacket;
import livekit.LivekitModels.DataStream;

/**
 * Builds the three packet kinds of LiveKit's text and byte streams (the classic format every
 * LiveKit SDK reads from a client that advertises protocol 0): a header, chunks numbered from 0
 * holding at most {@value #CHUNK_BYTES} bytes (text split on code point boundaries), a trailer.
 * Header, chunks and trailer go on the reliable channel to the same destinations.
 */
final class StreamPackets {

    /** Largest chunk content, and largest header packet, in bytes (LiveKit's SDKs use the same). */
    static final int CHUNK_BYTES = 15_000;
    static final String TEXT_MIME_TYPE = "text/plain";
    static final String BYTES_MIME_TYPE = "application/octet-stream";

    private StreamPackets() {
    }

    static String newStreamId() {
        return UUID.randomUUID().toString();
    }

    /**
     * A text stream header.
     *
     * @param totalLength the UTF-8 length when the whole text is known, or -1 for a stream written incrementally
     * @throws IllegalArgumentException when the header packet would be over {@value #CHUNK_BYTES} bytes
     */
    static DataPacket.Builder textHeader(String streamId, String topic, StreamOptions options, long totalLength) {
        DataStream.Header.Builder header = header(streamId, topic, TEXT_MIME_TYPE, options.attributes(), totalLength)
                .setTextHeader(DataStream.TextHeader.newBuilder()
                        .setOperationType(DataStream.OperationType.CREATE)
                        .setReplyToStreamId(options.replyToStreamId()));
        return checked(DataPacket.newBuilder().setStreamHeader(header), options.destinationIdentities(), topic);
    }

    /**
     * A text stream header sent on behalf of another participant: LiveKit keeps the named
     * identity (and marks the stream generated) when the sender is an agent, which is how
     * agents publish what their users said.
     */
    static DataPacket.Builder textHeaderOnBehalf(String streamId, String topic, StreamOptions options, long totalLength,
            String senderIdentity) {
        return textHeader(streamId, topic, options, totalLength).setParticipantIdentity(senderIdentity);
    }

    /** A byte stream header; see {@link #textHeader}. */
    static DataPacket.Builder byteHeader(String streamId, String topic, String name, String mimeType,
            StreamOptions options, long totalLength) {
        DataStream.Header.Builder header = header(streamId, topic, mimeType, options.attributes(), totalLength)
                .setByteHeader(DataStream.ByteHeader.newBuilder().setName(name));
        return checked(DataPacket.newBuilder().setStreamHeader(header), options.destinationIdentities(), topic);
    }

    static DataPacket.Builder chunk(String streamId, long index, byte[] content, List<String> destinations) {
        return DataPacket.newBuilder().addAllDestinationIdentities(destinations)
                .setStreamChunk(DataStream.Chunk.newBuilder().setStreamId(streamId).setChunkIndex(index)
                        .setContent(ByteString.copyFrom(content)));
    }

    static DataPacket.Builder trailer(String streamId, String reason, Map<String, String> attributes,
            List<String> destinations) {
        return DataPacket.newBuilder().addAllDestinationIdentities(destinations)
                .setStreamTrailer(DataStream.Trailer.newBuilder().setStreamId(streamId).setReason(reason)
                        .putAllAttributes(attributes));
    }

    private static DataStream.Header.Builder header(String streamId, String topic, String mimeType,
            Map<String, String> attributes, long totalLength) {
        DataStream.Header.Builder header = DataStream.Header.newBuilder()
                .setStreamId(streamId)
                .setTimestamp(System.currentTimeMillis())
                .setTopic(topic)
                .setMimeType(mimeType)
                .putAllAttributes(attributes);
        if (totalLength >= 0) {
            header.setTotalLength(totalLength);
        }
        return header;
    }

    private static DataPacket.Builder checked(DataPacket.Builder packet, List<String> destinations, String topic) {
        packet.addAllDestinationIdentities(destinations);
        int size = packet.build().getSerializedSize();
        if (size > CHUNK_BYTES) {
            throw new IllegalArgumentException("the stream header for topic '" + topic + "' is " + size
                    + " bytes with its attributes and destinations; LiveKit's limit is " + CHUNK_BYTES + " bytes");
        }
        return packet;
    }
}
