package io.openrtc.rtc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A text stream written as it is produced ({@link Room#streamText}): for an LLM's answer or a
 * transcript whose words arrive one by one. The header was sent when the writer was opened; every
 * {@link #write} sends its text as one or more chunks (split on code point boundaries at
 * {@value StreamPackets#CHUNK_BYTES} bytes); {@link #close()} sends the trailer, which tells
 * receivers the text is complete. Receivers that collect whole messages
 * ({@link Room#texts(String)}) see the text once the stream is closed.
 *
 * <p>Thread-safe (writes are sent in call order). If the room rejoins (a full reconnect) while
 * the stream is open, its receivers have dropped it: later writes fail and {@code close()} does
 * nothing; open a new stream. A resume keeps the stream going.
 */
public final class TextStreamWriter implements AutoCloseable {

    private final PacketSender sender;
    private final String streamId;
    private final String topic;
    private final List<String> destinations;
    private final Map<String, String> closingAttributes;
    private final int epoch;
    private final ReentrantLock lock = new ReentrantLock();
    private long nextIndex;
    private long bytesWritten;
    private boolean closed;

    private TextStreamWriter(PacketSender sender, String streamId, String topic, List<String> destinations,
            Map<String, String> closingAttributes, int epoch) {
        this.sender = sender;
        this.streamId = streamId;
        this.topic = topic;
        this.destinations = destinations;
        this.closingAttributes = closingAttributes;
        this.epoch = epoch;
    }

    /** Sends the header and returns a writer for the rest. */
    static TextStreamWriter open(PacketSender sender, String topic, StreamOptions options,
            Map<String, String> closingAttributes) throws RoomException, InterruptedException {
        String streamId = StreamPackets.newStreamId();
        int epoch = sender.epoch();
        sender.send(StreamPackets.textHeader(streamId, topic, options, -1), true, epoch);
        return new TextStreamWriter(sender, streamId, topic, options.destinationIdentities(), Map.copyOf(closingAttributes),
                epoch);
    }

    /** The stream's id (receivers see it as {@link TextMessage#streamId()}). */
    public String streamId() {
        return streamId;
    }

    /** The stream's topic. */
    public String topic() {
        return topic;
    }

    /** UTF-8 bytes written so far. */
    public long bytesWritten() {
        lock.lock();
        try {
            return bytesWritten;
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@link #close} was called. */
    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends {@code text} as the next part of the stream. An empty string sends nothing.
     *
     * @throws IllegalStateException    when the stream was closed
     * @throws IllegalArgumentException when the text is not valid Unicode
     * @throws RoomException            when it could not be sent, or the room rejoined since the stream opened
     */
    public void write(String text) throws RoomException, InterruptedException {
        Objects.requireNonNull(text, "text");
        byte[] utf8 = Utf8Chunks.encode(text, "the text");
        lock.lockInterruptibly();
        try {
            if (closed) {
                throw new IllegalStateException("text stream " + streamId + " on '" + topic + "' is closed");
            }
            requireSameConnection();
            for (byte[] chunk : Utf8Chunks.split(utf8, StreamPackets.CHUNK_BYTES)) {
                sender.send(StreamPackets.chunk(streamId, nextIndex, chunk, destinations), true, epoch);
                nextIndex++;
                bytesWritten += chunk.length;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Ends the stream normally (with the writer's closing attributes, if it has any). Idempotent. */
    @Override
    public void close() throws RoomException, InterruptedException {
        close(Map.of());
    }

    /**
     * Ends the stream normally; {@code trailerAttributes} are merged over the header's by
     * receivers (over the writer's own closing attributes here). Idempotent.
     */
    public void close(Map<String, String> trailerAttributes) throws RoomException, InterruptedException {
        finish("", trailerAttributes);
    }

    /** Ends the stream as aborted: receivers drop it. Idempotent. */
    public void abort(String reason) throws RoomException, InterruptedException {
        finish(reason.isEmpty() ? "aborted" : reason, Map.of());
    }

    private void finish(String reason, Map<String, String> trailerAttributes) throws RoomException, InterruptedException {
        Map<String, String> attributes = new LinkedHashMap<>(closingAttributes);
        attributes.putAll(trailerAttributes);
        lock.lockInterruptibly();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (sender.epoch() != epoch) {
                return; // its receivers dropped it when this participant rejoined
            }
            try {
                sender.send(StreamPackets.trailer(streamId, reason, attributes, destinations), true, epoch);
            } catch (PacketSender.StreamCutException e) {
                // the room rejoined while closing: the receivers dropped the stream already
            }
        } finally {
            lock.unlock();
        }
    }

    private void requireSameConnection() throws RoomException {
        if (sender.epoch() != epoch) {
            throw new PacketSender.StreamCutException("text stream " + streamId + " on '" + topic + "' was cut: the room rejoined after a lost "
                    + "connection and its receivers dropped the stream; open a new one");
        }
    }

    @Override
    public String toString() {
        return "TextStreamWriter[" + streamId + " on " + topic + "]";
    }
}
