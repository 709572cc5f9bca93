package io.openrtc.rtc;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Room} joins and behaves. Start from {@link #defaults()} and change fields with the
 * {@code with...} methods; every value is checked, and a bad one is refused with a message that
 * names the field.
 *
 * @param autoSubscribe        subscribe to every remote track automatically (default true; the
 *                             only mode part 1 supports for receiving audio)
 * @param joinTimeout          how long opening the signal websocket, and then the server's
 *                             JoinResponse, may each take (default 15 s, as LiveKit's JS client's
 *                             {@code websocketTimeout}: a child JVM that starts along with several
 *                             others on a small machine can need more than 5 s)
 * @param connectTimeout       how long ICE and DTLS may take to connect both peer connections
 *                             (default 15 s)
 * @param requestTimeout       how long to wait for the server's answer to a request such as
 *                             publishing a track (default 10 s)
 * @param receiveBufferFrames  capacity of each remote audio stream's ring buffer, in 10 ms frames;
 *                             when a reader falls behind, the oldest frames are dropped and counted
 *                             (default 50 = 500 ms)
 * @param publishBuffer        how much audio a {@link LocalAudioTrack} queues ahead of real time
 *                             before {@code write} blocks (default 200 ms, rounded to 10 ms frames)
 * @param silenceOnUnderrun    push silence when a published track has nothing queued, keeping the
 *                             stream continuous (default true; with DTX silence costs almost no
 *                             bandwidth); false pushes nothing
 * @param reconnect            after the connection drops, reconnect (resume, else one full rejoin)
 *                             before closing with {@link CloseReason.Cause#CONNECTION_LOST}
 *                             (default true)
 * @param reconnectWindow      how long reconnecting may keep retrying to reach the server (a server
 *                             restarting is unreachable for a few seconds) before giving up
 *                             (default 20 s)
 * @param leaveTimeout         how long {@link Room#close()} waits for the leave message to be sent
 *                             and the websocket to close (default 2 s)
 * @param resume               after a lost connection, first try to resume it (same participant,
 *                             same peer connections with an ICE restart) when the server allows,
 *                             and rejoin only if that fails (default true)
 * @param messageBuffer        how many received messages each {@link MessageStream} holds for a
 *                             slow reader, and how many messages of topics nobody reads wait for
 *                             a reader (default 256); beyond it the oldest are dropped and counted
 * @param maxStreamBytes       the largest incoming text or byte stream kept; a larger one is
 *                             dropped and counted (default 8 MiB)
 */
public record RoomOptions(boolean autoSubscribe, Duration joinTimeout, Duration connectTimeout, Duration requestTimeout,
        int receiveBufferFrames, Duration publishBuffer, boolean silenceOnUnderrun, boolean reconnect,
        Duration reconnectWindow, Duration leaveTimeout, boolean resume, int messageBuffer, long maxStreamBytes) {

    public RoomOptions {
        requirePositive(joinTimeout, "joinTimeout");
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(requestTimeout, "requestTimeout");
        requirePositive(leaveTimeout, "leaveTimeout");
        requirePositive(reconnectWindow, "reconnectWindow");
        requirePositive(publishBuffer, "publishBuffer");
        if (publishBuffer.toMillis() < 10) {
            throw new IllegalArgumentException("RoomOptions.publishBuffer must be at least 10 ms, was " + publishBuffer);
        }
        if (receiveBufferFrames < 1) {
            throw new IllegalArgumentException("RoomOptions.receiveBufferFrames must be at least 1, was " + receiveBufferFrames);
        }
        if (messageBuffer < 1) {
            throw new IllegalArgumentException("RoomOptions.messageBuffer must be at least 1, was " + messageBuffer);
        }
        if (maxStreamBytes < StreamPackets.CHUNK_BYTES) {
            throw new IllegalArgumentException("RoomOptions.maxStreamBytes must be at least " + StreamPackets.CHUNK_BYTES
                    + " (one chunk), was " + maxStreamBytes);
        }
    }

    /** The defaults described on the record. */
    public static RoomOptions defaults() {
        return new RoomOptions(true, Duration.ofSeconds(15), Duration.ofSeconds(15), Duration.ofSeconds(10), 50,
                Duration.ofMillis(200), true, true, Duration.ofSeconds(20), Duration.ofSeconds(2), true, 256, 8L << 20);
    }

    /** A copy with {@code autoSubscribe} set to {@code value} (checked like every field). */
    public RoomOptions withAutoSubscribe(boolean value) {
        return new RoomOptions(value, joinTimeout, connectTimeout, requestTimeout, receiveBufferFrames, publishBuffer,
                silenceOnUnderrun, reconnect, reconnectWindow, leaveTimeout, resume, messageBuffer, maxStreamBytes);
    }

    /** A copy with {@code joinTimeout} set to {@code value} (checked like every field). */
    public RoomOptions withJoinTimeout(Duration value) {
        return new RoomOptions(autoSubscribe, value, connectTimeout, requestTimeout, receiveBufferFrames, publishBuffer,
                silenceOnUnderrun, reconnect, reconnectWindow, leaveTimeout, resume, messageBuffer, maxStreamBytes);
    }

    /** A copy with {@code connectTimeout} set to {@code value} (checked like every field). */
    public RoomOptions withConnectTimeout(Duration value) {
        return new RoomOptions(autoSubscribe, joinTimeout, value, requestTimeout, receiveBufferFrames, publishBuffer,
                silenceOnUnderrun, reconnect, reconnectWindow, leaveTimeout, resume, messageBuffer, maxStreamBytes);
    }

    /** A copy with {@code requestTimeout} set to {@code value} (checked like every field). */
    public RoomOptions withRequestTimeout(Duration value) {
        return new RoomOptions(autoSubscribe, joinTimeout, connectTimeout, value, receiveBufferFrames, publishBuffer,
                silenceOnUnderrun, reconnect, reconnectWindow, leaveTimeout, resume, messageBuffer, maxStreamBytes);
    }

    /** A copy with {@code receiveBufferFrames} set to {@code value} (checked like every field). */
    public RoomOptions withReceiveBufferFrames(int value) {
        return new RoomOptions(autoSubscribe, joinTimeout, connectTimeout, requestTimeout, value, publishBuffer,
                silenceOnUnderrun, reconnect, reconnectWindow, leaveTimeout, resume, messageBuffer, maxStreamBytes);
    }

    /** A copy with {@code publishBuffer} set to {@code value} (checked like every field). */
    public RoomOptions withPublishBuffer(Duration value) {
        return new RoomOptions(autoSubscribe, joinTimeout, connectTimeout, requestTimeout, receiveBufferFrames, value,
                silenceOnUnderrun, reconnect, reconnectWindow, leaveTimeout, resume, messageBuffer, maxStreamBytes);
    }

    /** A copy with {@code silenceOnUnderrun} set to {@code value} (checked like every field). */
    public RoomOptions withSilenceOnUnderrun(boolean value) {
        return new RoomOptions(autoSubscribe, joinTimeout, connectTimeout, requestTimeout, receiveBufferFrames, publishBuffer,
                value, reconnect, reconnectWindow, leaveTimeout, resume, messageBuffer, maxStreamBytes);
    }

    /** A copy with {@code reconnect} set to {@code value} (checked like every field). */
    public RoomOptions withReconnect(boolean value) {
        return new RoomOptions(autoSubscribe, joinTimeout, connectTimeout, requestTimeout, receiveBufferFrames, publishBuffer,
                silenceOnUnderrun, value, reconnectWindow, leaveTimeout, resume, messageBuffer, maxStreamBytes);
    }

    /** A copy with {@code reconnectWindow} set to {@code value} (checked like every field). */
    public RoomOptions withReconnectWindow(Duration value) {
        return new RoomOptions(autoSubscribe, joinTimeout, connectTimeout, requestTimeout, receiveBufferFrames, publishBuffer,
                silenceOnUnderrun, reconnect, value, leaveTimeout, resume, messageBuffer, maxStreamBytes);
    }

    /** A copy with {@code leaveTimeout} set to {@code value} (checked like every field). */
    public RoomOptions withLeaveTimeout(Duration value) {
        return new RoomOptions(autoSubscribe, joinTimeout, connectTimeout, requestTimeout, receiveBufferFrames, publishBuffer,
                silenceOnUnderrun, reconnect, reconnectWindow, value, resume, messageBuffer, maxStreamBytes);
    }

    /** A copy with {@code resume} set to {@code value} (checked like every field). */
    public RoomOptions withResume(boolean value) {
        return new RoomOptions(autoSubscribe, joinTimeout, connectTimeout, requestTimeout, receiveBufferFrames, publishBuffer,
                silenceOnUnderrun, reconnect, reconnectWindow, leaveTimeout, value, messageBuffer, maxStreamBytes);
    }

    /** A copy with {@code messageBuffer} set to {@code value} (checked like every field). */
    public RoomOptions withMessageBuffer(int value) {
        return new RoomOptions(autoSubscribe, joinTimeout, connectTimeout, requestTimeout, receiveBufferFrames, publishBuffer,
                silenceOnUnderrun, reconnect, reconnectWindow, leaveTimeout, resume, value, maxStreamBytes);
    }

    /** A copy with {@code maxStreamBytes} set to {@code value} (checked like every field). */
    public RoomOptions withMaxStreamBytes(long value) {
        return new RoomOptions(autoSubscribe, joinTimeout, connectTimeout, requestTimeout, receiveBufferFrames, publishBuffer,
                silenceOnUnderrun, reconnect, reconnectWindow, leaveTimeout, resume, messageBuffer, value);
    }

    /** {@link #publishBuffer} in 10 ms frames. */
    int publishBufferFrames() {
        return (int) Math.max(1, publishBuffer.toMillis() / 10);
    }

    private static void requirePositive(Duration value, String field) {
        Objects.requireNonNull(value, "RoomOptions." + field);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("RoomOptions." + field + " must be positive, was " + value);
        }
    }
}
