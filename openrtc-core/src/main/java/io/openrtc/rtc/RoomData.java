package io.openrtc.rtc;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;
import livekit.LivekitModels;
import livekit.LivekitModels.DataPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A room's data side, behind the {@link Room} methods for data packets, text and byte streams,
 * LiveKit's chat and transcript conventions, and RPC. It owns the sending channel
 * ({@link DataChannelSender}), the receiving path ({@link DataReceiver}, {@link StreamAssembler}),
 * the readers of each kind ({@link TopicRouter}) and the {@link RpcManager}; the room tells it
 * about channels, packets, participants leaving, rejoins and the end.
 */
final class RoomData {

    private static final Logger log = LoggerFactory.getLogger(RoomData.class);

    private final String room;
    private final Runnable requireOpen;
    private final DataCounters counters = new DataCounters();
    private final DataChannelSender sender;
    private final TopicRouter<TextMessage> textReaders;
    private final TopicRouter<ByteStreamMessage> byteReaders;
    private final TopicRouter<DataMessage> dataReaders;
    private final RpcManager rpc;
    private final DataReceiver receiver;

    /**
     * @param room                a label for logs
     * @param options             the room's options (buffers, limits, how long sends wait)
     * @param timers              for RPC timeouts
     * @param isRemoteParticipant whether an identity is in the room now (for RPC calls)
     * @param requireOpen         throws {@link RoomClosedException} when the room has closed
     */
    RoomData(String room, RoomOptions options, ScheduledExecutorService timers, Predicate<String> isRemoteParticipant,
            Runnable requireOpen) {
        this.room = room;
        this.requireOpen = requireOpen;
        this.sender = new DataChannelSender(room, options.requestTimeout(), counters);
        // Unread messages wait for a reader: at most messageBuffer of them, and maxStreamBytes in all.
        this.textReaders = new TopicRouter<>("text streams", options.messageBuffer(), options.messageBuffer(),
                options.maxStreamBytes(), m -> 2L * m.text().length(), counters.droppedMessages,
                topic -> counters.droppedUnread(log, room, "text streams", topic));
        this.byteReaders = new TopicRouter<>("byte streams", options.messageBuffer(), options.messageBuffer(),
                options.maxStreamBytes(), m -> m.content().length, counters.droppedMessages,
                topic -> counters.droppedUnread(log, room, "byte streams", topic));
        this.dataReaders = new TopicRouter<>("data packets", options.messageBuffer(), options.messageBuffer(),
                options.maxStreamBytes(), m -> m.payload().length, counters.droppedMessages,
                topic -> counters.droppedUnread(log, room, "data packets", topic));
        this.rpc = new RpcManager(room, sender, timers, counters, isRemoteParticipant);
        StreamAssembler assembler = new StreamAssembler(room, options.maxStreamBytes(), counters, System::nanoTime,
                message -> textReaders.deliver(message.topic(), message),
                message -> byteReaders.deliver(message.topic(), message));
        this.receiver = new DataReceiver(room, counters, assembler, rpc, dataReaders);
        // Read from any thread while the room's loop changes it: a map's size is one int field,
        // so a racy read is at worst a moment old, never torn.
        counters.openStreams(assembler::openStreams);
    }

    // ---- data packets ----

    @SuppressWarnings("deprecation") // UserPacket.destination_identities: LiveKit's SDKs still fill it
    void publishData(byte[] payload, DataOptions dataOptions) throws RoomException, InterruptedException {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(dataOptions, "options");
        if (payload.length > DataOptions.MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("the data payload is " + payload.length + " bytes; LiveKit's limit is "
                    + DataOptions.MAX_PAYLOAD_BYTES + " bytes per packet (DataOptions.MAX_PAYLOAD_BYTES); "
                    + "send larger content as a byte stream (sendBytes)");
        }
        LivekitModels.UserPacket.Builder user = LivekitModels.UserPacket.newBuilder()
                .setPayload(ByteString.copyFrom(payload))
                .addAllDestinationIdentities(dataOptions.destinationIdentities());
        if (!dataOptions.topic().isEmpty()) {
            user.setTopic(dataOptions.topic());
        }
        DataPacket.Builder packet = DataPacket.newBuilder().setUser(user)
                .addAllDestinationIdentities(dataOptions.destinationIdentities());
        // + kind, sequence and the sid the server adds
        int size = packet.build().getSerializedSize() + 32;
        if (size > DataOptions.MAX_PACKET_BYTES) {
            throw new IllegalArgumentException("the data packet would be about " + size + " bytes with its topic and "
                    + dataOptions.destinationIdentities().size() + " destinations; LiveKit's limit is "
                    + DataOptions.MAX_PACKET_BYTES + " bytes per packet (DataOptions.MAX_PACKET_BYTES)");
        }
        requireOpen.run();
        sender.send(packet, dataOptions.reliable());
    }

    MessageStream<DataMessage> dataMessages(String topic) {
        return dataReaders.open(Objects.requireNonNull(topic, "topic (use \"\" for packets without one)"));
    }

    // ---- text and byte streams ----

    MessageStream<TextMessage> texts(String topic) {
        return textReaders.open(Objects.requireNonNull(topic, "topic"));
    }

    MessageStream<ByteStreamMessage> byteStreams(String topic) {
        return byteReaders.open(Objects.requireNonNull(topic, "topic"));
    }

    String sendText(String topic, String text, StreamOptions streamOptions) throws RoomException, InterruptedException {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(streamOptions, "options");
        byte[] utf8 = Utf8Chunks.encode(text, "the text");
        List<byte[]> chunks = Utf8Chunks.split(utf8, StreamPackets.CHUNK_BYTES);
        String streamId = StreamPackets.newStreamId();
        DataPacket.Builder header = StreamPackets.textHeader(streamId, topic, streamOptions, utf8.length);
        sendStream(header, chunks, streamId, streamOptions.destinationIdentities());
        return streamId;
    }

    TextStreamWriter streamText(String topic, StreamOptions streamOptions) throws RoomException, InterruptedException {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(streamOptions, "options");
        requireOpen.run();
        return TextStreamWriter.open(sender, topic, streamOptions, Map.of());
    }

    String sendBytes(String topic, String name, String mimeType, byte[] content, StreamOptions streamOptions)
            throws RoomException, InterruptedException {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mimeType, "mimeType");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(streamOptions, "options");
        List<byte[]> chunks = new ArrayList<>();
        for (int at = 0; at < content.length; at += StreamPackets.CHUNK_BYTES) {
            chunks.add(Arrays.copyOfRange(content, at, Math.min(content.length, at + StreamPackets.CHUNK_BYTES)));
        }
        String streamId = StreamPackets.newStreamId();
        DataPacket.Builder header = StreamPackets.byteHeader(streamId, topic, name,
                mimeType.isEmpty() ? StreamPackets.BYTES_MIME_TYPE : mimeType, streamOptions, content.length);
        sendStream(header, chunks, streamId, streamOptions.destinationIdentities());
        return streamId;
    }

    /**
     * Sends a whole stream to one connection. If a full rejoin replaces the connection midway, the
     * receivers have dropped the partial stream, so it is sent once more, whole, to the new one.
     */
    private void sendStream(DataPacket.Builder header, List<byte[]> chunks, String streamId, List<String> destinations)
            throws RoomException, InterruptedException {
        requireOpen.run();
        for (int attempt = 1; ; attempt++) {
            int epoch = sender.epoch();
            try {
                sender.send(header.clone(), true, epoch);
                for (int index = 0; index < chunks.size(); index++) {
                    sender.send(StreamPackets.chunk(streamId, index, chunks.get(index), destinations), true, epoch);
                }
                sender.send(StreamPackets.trailer(streamId, "", Map.of(), destinations), true, epoch);
                return;
            } catch (PacketSender.StreamCutException e) {
                if (attempt >= 2) {
                    throw e;
                }
                log.info("Room {}: stream {} was cut by a rejoin; sending it again", room, streamId);
            }
        }
    }

    TextStreamWriter streamTranscript(String transcribedTrackSid) throws RoomException, InterruptedException {
        requireTrackSid(transcribedTrackSid);
        String segment = Transcription.newSegmentId();
        StreamOptions header = StreamOptions.defaults().withAttributes(Map.of(
                Transcription.SEGMENT_ID, segment,
                Transcription.TRANSCRIBED_TRACK_ID, transcribedTrackSid,
                Transcription.FINAL, "false"));
        requireOpen.run();
        return TextStreamWriter.open(sender, Transcription.TOPIC, header, Map.of(
                Transcription.SEGMENT_ID, segment,
                Transcription.TRANSCRIBED_TRACK_ID, transcribedTrackSid,
                Transcription.FINAL, "true"));
    }

    String sendTranscript(String transcribedTrackSid, String text) throws RoomException, InterruptedException {
        requireTrackSid(transcribedTrackSid);
        return sendText(Transcription.TOPIC, text, StreamOptions.defaults().withAttributes(Map.of(
                Transcription.SEGMENT_ID, Transcription.newSegmentId(),
                Transcription.TRANSCRIBED_TRACK_ID, transcribedTrackSid,
                Transcription.FINAL, "true")));
    }

    String publishTranscript(TranscriptSegment segment, String localIdentity) throws RoomException, InterruptedException {
        Objects.requireNonNull(segment, "segment");
        StreamOptions options = StreamOptions.defaults().withAttributes(Map.of(
                Transcription.SEGMENT_ID, segment.segmentId(),
                Transcription.TRANSCRIBED_TRACK_ID, segment.trackSid(),
                Transcription.FINAL, Boolean.toString(segment.isFinal())));
        byte[] utf8 = Utf8Chunks.encode(segment.text(), "the transcript");
        List<byte[]> chunks = Utf8Chunks.split(utf8, StreamPackets.CHUNK_BYTES);
        String streamId = StreamPackets.newStreamId();
        boolean own = segment.participantIdentity().isEmpty() || segment.participantIdentity().equals(localIdentity);
        DataPacket.Builder header = own
                ? StreamPackets.textHeader(streamId, Transcription.TOPIC, options, utf8.length)
                : StreamPackets.textHeaderOnBehalf(streamId, Transcription.TOPIC, options, utf8.length,
                        segment.participantIdentity());
        sendStream(header, chunks, streamId, options.destinationIdentities());
        return streamId;
    }

    private static void requireTrackSid(String trackSid) {
        Objects.requireNonNull(trackSid, "transcribedTrackSid");
        if (trackSid.isEmpty()) {
            throw new IllegalArgumentException("transcribedTrackSid must name the audio track (TR_...) the words belong to; "
                    + "for the agent's own speech, its published track's sid()");
        }
    }

    // ---- RPC ----

    void registerRpcMethod(String method, RpcHandler handler) {
        rpc.register(method, handler);
    }

    boolean unregisterRpcMethod(String method) {
        return rpc.unregister(method);
    }

    String performRpc(String destinationIdentity, String method, String payload, Duration responseTimeout)
            throws RpcError, InterruptedException {
        return rpc.perform(destinationIdentity, method, payload, responseTimeout);
    }

    DataStats stats() {
        return counters.snapshot();
    }

    // ---- what the room tells it ----

    /** The sending side, for the room's channel callbacks and resume. */
    DataChannelSender sender() {
        return sender;
    }

    /** Loop: the receiving side (packets, participants leaving, receive states for a resume). */
    DataReceiver receiver() {
        return receiver;
    }

    /** Loop: a full rejoin follows; what cannot survive it is reset. */
    void rejoining() {
        rpc.failPending("this room lost its connection and rejoins; the answer cannot arrive");
        receiver.rejoined();
    }

    /** Loop: the room closed; sends fail, calls fail, readers end. */
    void close(CloseReason reason) {
        sender.close(new RoomClosedException("the room is closed", reason));
        rpc.close("this room closed: " + reason);
        textReaders.endAll();
        byteReaders.endAll();
        dataReaders.endAll();
    }
}
