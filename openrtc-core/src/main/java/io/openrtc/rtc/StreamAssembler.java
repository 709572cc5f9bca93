package io.openrtc.rtc;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import livekit.LivekitModels.DataPacket;
import livekit.LivekitModels.DataStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts incoming text and byte streams back together (LiveKit's data streams: a header, chunks
 * numbered from 0, a trailer; or, in data streams v2, a header alone with the content inline),
 * keyed by stream id. Content marked {@code DEFLATE_RAW} is inflated. Chunks may arrive out of order or twice
 * (a repeated index with a higher {@code version} replaces the earlier chunk, the same version is
 * a duplicate); the trailer's attributes are merged over the header's; a non-empty trailer
 * {@code reason} means the sender aborted the stream. A stream is delivered whole when its
 * trailer arrives and every chunk up to the last index is there.
 *
 * <p>Bounded: a stream larger than the byte limit, streams idle longer than the idle limit, and
 * the oldest stream beyond the open-stream limit are dropped and counted. Everything a peer sends
 * that does not fit is dropped with a counted warning; nothing throws. Owned by the room's event
 * loop (not thread-safe).
 */
final class StreamAssembler {

    private static final Logger log = LoggerFactory.getLogger(StreamAssembler.class);

    /** Streams open at once per room; beyond it the oldest is dropped. */
    static final int MAX_OPEN_STREAMS = 128;
    /** A stream without a packet for this long is dropped. */
    static final long IDLE_NANOS = 60_000_000_000L;
    /** A chunk index beyond this is taken as garbage (15 GB of text). */
    static final long MAX_CHUNK_INDEX = 1_000_000;
    private static final int FORGOTTEN_IDS = 256;
    /** Field numbers of {@code DataStream.Header} newer than the protocol classes (data streams v2). */
    static final int HEADER_INLINE_CONTENT = 11;
    static final int HEADER_COMPRESSION = 12;
    static final long COMPRESSION_DEFLATE_RAW = 1;

    private static final class Partial {
        final String streamId;
        final String senderIdentity;
        final String senderSid;
        final DataStream.Header header;
        final TreeMap<Long, DataStream.Chunk> chunks = new TreeMap<>();
        long bytes;
        long lastActivityNanos;

        Partial(String streamId, String senderIdentity, String senderSid, DataStream.Header header, long now) {
            this.streamId = streamId;
            this.senderIdentity = senderIdentity;
            this.senderSid = senderSid;
            this.header = header;
            this.lastActivityNanos = now;
        }

        boolean isText() {
            return header.getContentHeaderCase() == DataStream.Header.ContentHeaderCase.TEXT_HEADER;
        }
    }

    private final String room;
    private final long maxStreamBytes;
    private final DataCounters counters;
    private final LongSupplier clock;
    private final Consumer<TextMessage> texts;
    private final Consumer<ByteStreamMessage> bytes;
    private final Map<String, Partial> open = new LinkedHashMap<>();
    /** Ids of streams dropped on purpose, so that their later chunks are not counted as malformed. */
    private final LinkedHashSet<String> forgotten = new LinkedHashSet<>();

    StreamAssembler(String room, long maxStreamBytes, DataCounters counters, LongSupplier clock,
            Consumer<TextMessage> texts, Consumer<ByteStreamMessage> bytes) {
        this.room = room;
        this.maxStreamBytes = maxStreamBytes;
        this.counters = counters;
        this.clock = clock;
        this.texts = texts;
        this.bytes = bytes;
    }

    /** How many streams are being received now. */
    int openStreams() {
        return open.size();
    }

    void onHeader(DataPacket packet) {
        DataStream.Header header = packet.getStreamHeader();
        String id = header.getStreamId();
        long now = clock.getAsLong();
        pruneIdle(now);
        if (id.isEmpty()) {
            counters.malformed(log, room, "a stream header without a stream id from '" + packet.getParticipantIdentity() + "'");
            return;
        }
        if (header.getContentHeaderCase() == DataStream.Header.ContentHeaderCase.CONTENTHEADER_NOT_SET) {
            counters.malformed(log, room, "stream " + id + " from '" + packet.getParticipantIdentity()
                    + "' is neither text nor bytes (newer stream format?)");
            forget(id);
            return;
        }
        if (open.containsKey(id)) {
            counters.malformed(log, room, "a second header for open stream " + id);
            return;
        }
        if (header.hasTotalLength() && header.getTotalLength() > maxStreamBytes) {
            counters.droppedStream(log, room, "stream " + id + " on '" + header.getTopic() + "' announces "
                    + header.getTotalLength() + " bytes, more than RoomOptions.maxStreamBytes (" + maxStreamBytes + ")");
            forget(id);
            return;
        }
        ByteString inline = inlineContent(header);
        if (inline != null) {
            // Data streams v2: a short stream comes as this header alone, its content inline (the
            // Rust-based SDKs send it so once they take every recipient for a v2 client).
            forget(id);
            Partial whole = new Partial(id, packet.getParticipantIdentity(), packet.getParticipantSid(), header, now);
            deliver(whole, inline.toByteArray(), Map.of());
            return;
        }
        if (open.size() >= MAX_OPEN_STREAMS) {
            Partial oldest = open.values().iterator().next();
            drop(oldest, "more than " + MAX_OPEN_STREAMS + " streams open at once; dropped the oldest");
        }
        open.put(id, new Partial(id, packet.getParticipantIdentity(), packet.getParticipantSid(), header, now));
    }

    void onChunk(DataPacket packet) {
        DataStream.Chunk chunk = packet.getStreamChunk();
        Partial partial = find(chunk.getStreamId(), packet, "chunk");
        if (partial == null) {
            return;
        }
        partial.lastActivityNanos = clock.getAsLong();
        long index = chunk.getChunkIndex();
        if (index < 0 || index > MAX_CHUNK_INDEX) {
            counters.malformed(log, room, "stream " + partial.streamId + " has a chunk with index " + Long.toUnsignedString(index));
            drop(partial, null);
            return;
        }
        DataStream.Chunk earlier = partial.chunks.get(index);
        if (earlier != null) {
            if (chunk.getVersion() <= earlier.getVersion()) {
                counters.duplicatePackets.incrementAndGet();
                return;
            }
            partial.bytes -= earlier.getContent().size();
        }
        partial.chunks.put(index, chunk);
        partial.bytes += chunk.getContent().size();
        if (partial.bytes > maxStreamBytes) {
            drop(partial, "stream " + partial.streamId + " on '" + partial.header.getTopic() + "' passed "
                    + maxStreamBytes + " bytes (RoomOptions.maxStreamBytes)");
        }
    }

    void onTrailer(DataPacket packet) {
        DataStream.Trailer trailer = packet.getStreamTrailer();
        Partial partial = find(trailer.getStreamId(), packet, "trailer");
        if (partial == null) {
            return;
        }
        open.remove(partial.streamId);
        forget(partial.streamId);
        if (!trailer.getReason().isEmpty()) {
            counters.droppedStream(log, room, "'" + partial.senderIdentity + "' aborted stream " + partial.streamId
                    + " on '" + partial.header.getTopic() + "': " + trailer.getReason());
            return;
        }
        long expected = 0;
        for (long index : partial.chunks.keySet()) {
            if (index != expected) {
                counters.malformed(log, room, "stream " + partial.streamId + " ended without chunk " + expected);
                return;
            }
            expected++;
        }
        byte[] content = new byte[(int) partial.bytes];
        int at = 0;
        for (DataStream.Chunk chunk : partial.chunks.values()) {
            ByteString piece = chunk.getContent();
            piece.copyTo(content, at);
            at += piece.size();
        }
        deliver(partial, content, trailer.getAttributesMap());
    }

    /**
     * Hands a complete stream to its readers: its content inflated first when the header says
     * {@code DEFLATE_RAW}, checked against the announced length, the trailer's attributes over the header's.
     */
    private void deliver(Partial partial, byte[] wire, Map<String, String> trailerAttributes) {
        DataStream.Header header = partial.header;
        long compression = compression(header);
        byte[] content = wire;
        if (compression == COMPRESSION_DEFLATE_RAW) {
            content = inflate(wire);
            if (content == null) {
                counters.droppedStream(log, room, "stream " + partial.streamId + " on '" + header.getTopic()
                        + "' is not valid DEFLATE_RAW or inflates past " + maxStreamBytes + " bytes (RoomOptions.maxStreamBytes)");
                return;
            }
        } else if (compression != 0) {
            counters.malformed(log, room, "stream " + partial.streamId + " uses compression " + compression
                    + ", which this client does not know");
            return;
        }
        if (header.hasTotalLength() && header.getTotalLength() != content.length) {
            counters.malformed(log, room, "stream " + partial.streamId + " announced " + header.getTotalLength()
                    + " bytes but carried " + content.length);
            return;
        }
        Map<String, String> attributes = new HashMap<>(header.getAttributesMap());
        attributes.putAll(trailerAttributes);
        if (partial.isText()) {
            texts.accept(new TextMessage(partial.streamId, partial.senderIdentity, header.getTopic(),
                    new String(content, StandardCharsets.UTF_8), attributes,
                    header.getTextHeader().getReplyToStreamId(), header.getTimestamp()));
        } else {
            String mimeType = header.getMimeType().isEmpty() ? "application/octet-stream" : header.getMimeType();
            bytes.accept(new ByteStreamMessage(partial.streamId, partial.senderIdentity, header.getTopic(),
                    header.getByteHeader().getName(), mimeType, content, attributes, header.getTimestamp()));
        }
    }

    /**
     * {@code DataStream.Header.inline_content} (field 11, data streams v2), or null. The protocol
     * classes this client is built on predate the field, so it is read from the unknown fields.
     */
    static ByteString inlineContent(DataStream.Header header) {
        var field = header.getUnknownFields().getField(HEADER_INLINE_CONTENT);
        return field == null || field.getLengthDelimitedList().isEmpty() ? null : field.getLengthDelimitedList().getLast();
    }

    /** {@code DataStream.Header.compression} (field 12): 0 none, 1 {@code DEFLATE_RAW}. */
    static long compression(DataStream.Header header) {
        var field = header.getUnknownFields().getField(HEADER_COMPRESSION);
        return field == null || field.getVarintList().isEmpty() ? 0 : field.getVarintList().getLast();
    }

    /** Raw DEFLATE (no zlib header), bounded by the stream byte limit; null when invalid or too large. */
    private byte[] inflate(byte[] compressed) {
        Inflater inflater = new Inflater(true);
        try {
            // A raw stream may need one extra byte to signal its end to the JDK's inflater.
            byte[] input = Arrays.copyOf(compressed, compressed.length + 1);
            inflater.setInput(input);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, compressed.length * 3));
            byte[] buffer = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                out.write(buffer, 0, n);
                if (out.size() > maxStreamBytes) {
                    return null;
                }
            }
            return inflater.finished() ? out.toByteArray() : null;
        } catch (DataFormatException e) {
            return null;
        } finally {
            inflater.end();
        }
    }

    /** Drops the open streams of a participant that left (matched by sid, or identity when no sid is known). */
    void senderLeft(String sid, String identity) {
        for (Iterator<Partial> it = open.values().iterator(); it.hasNext(); ) {
            Partial partial = it.next();
            boolean same = !partial.senderSid.isEmpty() && !sid.isEmpty()
                    ? partial.senderSid.equals(sid)
                    : partial.senderIdentity.equals(identity);
            if (same) {
                it.remove();
                forget(partial.streamId);
                counters.droppedStream(log, room, "'" + identity + "' left while sending stream " + partial.streamId
                        + " on '" + partial.header.getTopic() + "'");
            }
        }
    }

    /** Drops every open stream (a full rejoin: their remaining chunks were sent to the old connection). */
    void reset(String why) {
        for (Partial partial : open.values()) {
            forget(partial.streamId);
            counters.droppedStream(log, room, "stream " + partial.streamId + " from '" + partial.senderIdentity + "': " + why);
        }
        open.clear();
    }

    private Partial find(String id, DataPacket packet, String part) {
        Partial partial = open.get(id);
        if (partial == null) {
            if (forgotten.contains(id)) {
                log.debug("Room {}: ignored a {} of dropped stream {}", room, part, id);
            } else {
                counters.malformed(log, room, "a stream " + part + " for unknown stream '" + id + "' from '"
                        + packet.getParticipantIdentity() + "'");
            }
            return null;
        }
        // Chunks of a stream an agent sends on a user's behalf carry the agent's identity, so the
        // sender is matched by server-assigned sid, which the server sets on every packet.
        if (!partial.senderSid.isEmpty() && !packet.getParticipantSid().isEmpty()
                && !partial.senderSid.equals(packet.getParticipantSid())) {
            counters.malformed(log, room, "a stream " + part + " for stream " + id + " from another participant ("
                    + packet.getParticipantSid() + ", the stream is " + partial.senderSid + "'s)");
            return null;
        }
        return partial;
    }

    private void pruneIdle(long now) {
        for (Iterator<Partial> it = open.values().iterator(); it.hasNext(); ) {
            Partial partial = it.next();
            if (now - partial.lastActivityNanos > IDLE_NANOS) {
                it.remove();
                forget(partial.streamId);
                counters.droppedStream(log, room, "stream " + partial.streamId + " from '" + partial.senderIdentity
                        + "' had no packet for " + IDLE_NANOS / 1_000_000_000L + " s");
            }
        }
    }

    private void drop(Partial partial, String why) {
        open.remove(partial.streamId);
        forget(partial.streamId);
        if (why != null) {
            counters.droppedStream(log, room, why);
        }
    }

    private void forget(String id) {
        forgotten.add(id);
        if (forgotten.size() > FORGOTTEN_IDS) {
            Iterator<String> oldest = forgotten.iterator();
            oldest.next();
            oldest.remove();
        }
    }
}
