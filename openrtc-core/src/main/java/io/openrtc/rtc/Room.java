package io.openrtc.rtc;

import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A LiveKit room joined as one participant, over WebRTC (signal protocol v0: one publisher and
 * one subscriber peer connection).
 *
 * <p>Join with {@link #connect}; the identity is the one in the token. Remote audio tracks are
 * subscribed automatically; read each as a stream of 10 ms PCM frames
 * ({@link RemoteAudioTrack#openStream()}). Publish audio with {@link #publishAudio(String)}.
 * Exchange text ({@link #texts}, {@link #sendText}, {@link #streamText}), bytes
 * ({@link #byteStreams}, {@link #sendBytes}), data packets ({@link #dataMessages},
 * {@link #publishData}) and RPC calls ({@link #registerRpcMethod}, {@link #performRpc}) with the
 * other participants, and show state through attributes ({@link #setAttributes},
 * {@link #setAgentState}). Follow what happens with {@link #events()} (blocking) or
 * {@link #addListener} (callbacks). The room ends when {@link #close()} is called, when the
 * server ends it (room deleted, participant removed, leave), or when the connection is lost and
 * cannot be resumed or rejoined; {@link #closeReason()} and {@link #awaitClosed} tell why.
 *
 * <p>A session reads and answers chat in straight-line code on its own (virtual) thread:
 * <pre>{@code
 * room.setAgentState(AgentState.LISTENING);
 * for (TextMessage m : room.chatMessages()) {           // blocks; ends when the room closes
 *     room.setAgentState(AgentState.THINKING);
 *     room.sendChat(answer(m.text()));
 *     room.setAgentState(AgentState.LISTENING);
 * }
 * }</pre>
 *
 * <p>Every method is thread-safe. Blocking methods may be interrupted. Sends wait (at most
 * {@link RoomOptions#requestTimeout()}) while the room reconnects.
 */
public interface Room extends AutoCloseable {

    /**
     * Joins a room: opens the signal connection, waits for the server's JoinResponse, sets up both
     * peer connections and waits until they connect.
     *
     * @param runtime   the shared WebRTC runtime
     * @param serverUrl the LiveKit URL ({@code ws://}, {@code wss://}, {@code http://} or {@code https://})
     * @param token     a join token; its {@code sub} is this participant's identity. Never logged
     * @param options   join and media options
     * @throws RoomJoinException when a step fails (naming it), within a bounded time; everything
     *                           created for the attempt has been released
     */
    static Room connect(RtcRuntime runtime, URI serverUrl, String token, RoomOptions options)
            throws RoomJoinException, InterruptedException {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(serverUrl, "serverUrl");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(options, "options");
        return LiveKitRoom.connect(runtime, serverUrl, token, options);
    }

    /** The room's name. */
    String name();

    /** The server's room id ({@code RM_...}); may be empty for a moment after joining. */
    String sid();

    /** This participant's identity (from the token). */
    String localIdentity();

    /** This participant's server id ({@code PA_...}); kept by a resume, new after a rejoin. */
    String localSid();

    /** The other participants, as of now. */
    Collection<Participant> remoteParticipants();

    /** The participant with this identity, if present. */
    Optional<Participant> remoteParticipant(String identity);

    /** The remote audio tracks subscribed now. */
    List<RemoteAudioTrack> audioTracks();

    /**
     * The first subscribed remote audio track that matches {@code filter}, waiting up to
     * {@code timeout} for one to be subscribed.
     *
     * @return the track, or empty when none matched in time or the room closed
     */
    Optional<RemoteAudioTrack> awaitAudioTrack(Predicate<? super RemoteAudioTrack> filter, Duration timeout)
            throws InterruptedException;

    /**
     * Publishes a microphone audio track: asks the server to accept it, adds it to the publisher
     * connection and renegotiates.
     *
     * @param name the track's name as others see it (for example {@code agent-voice})
     * @throws RoomException when the server refuses or does not answer within
     *                       {@link RoomOptions#requestTimeout()}, or negotiation fails
     * @throws RoomClosedException when the room is closed
     */
    LocalAudioTrack publishAudio(String name) throws RoomException, InterruptedException;

    /** The audio tracks this room publishes now. */
    List<LocalAudioTrack> localAudioTracks();

    // ---- data packets ----

    /**
     * Publishes one data packet to everyone or to the given identities.
     *
     * @throws IllegalArgumentException when the payload is over {@value DataOptions#MAX_PAYLOAD_BYTES}
     *                                  bytes or the whole packet over {@value DataOptions#MAX_PACKET_BYTES}
     *                                  (LiveKit's limits; nothing is cut)
     * @throws RoomException            when the data channel did not become usable within
     *                                  {@link RoomOptions#requestTimeout()}
     * @throws RoomClosedException      when the room is closed
     */
    void publishData(byte[] payload, DataOptions options) throws RoomException, InterruptedException;

    /** The data packets with this topic ({@code ""}: packets without a topic) from now on, as a blocking stream. */
    MessageStream<DataMessage> dataMessages(String topic);

    // ---- text and byte streams ----

    /**
     * The text streams sent on {@code topic} (to everyone or to this participant), each delivered
     * whole once its trailer arrived, as a blocking stream.
     */
    MessageStream<TextMessage> texts(String topic);

    /** Sends {@code text} as one text stream on {@code topic} to everyone; returns the stream id. */
    default String sendText(String topic, String text) throws RoomException, InterruptedException {
        return sendText(topic, text, StreamOptions.defaults());
    }

    /**
     * Sends {@code text} as one text stream (header, chunks of at most 15 000 bytes split on code
     * point boundaries, trailer), the way LiveKit's {@code sendText} does.
     *
     * @return the stream id
     * @throws IllegalArgumentException when the header (topic, attributes, destinations) is over
     *                                  15 000 bytes, or the text is not valid Unicode
     * @throws RoomException            when it could not be sent in time
     */
    String sendText(String topic, String text, StreamOptions options) throws RoomException, InterruptedException;

    /**
     * Opens a text stream to write incrementally (an answer or a transcript as it is produced);
     * the header is sent now.
     */
    TextStreamWriter streamText(String topic, StreamOptions options) throws RoomException, InterruptedException;

    /** The byte streams sent on {@code topic}, each delivered whole, as a blocking stream. */
    MessageStream<ByteStreamMessage> byteStreams(String topic);

    /**
     * Sends {@code content} as one byte stream named {@code name}.
     *
     * @param mimeType its MIME type; empty means {@code application/octet-stream}
     * @return the stream id
     */
    String sendBytes(String topic, String name, String mimeType, byte[] content, StreamOptions options)
            throws RoomException, InterruptedException;

    // ---- LiveKit's agent conventions ----

    /** The chat messages users send ({@link Chat#TOPIC}), as a blocking stream. */
    default MessageStream<TextMessage> chatMessages() {
        return texts(Chat.TOPIC);
    }

    /** Sends a chat message to everyone ({@link Chat#TOPIC}); returns its stream id. */
    default String sendChat(String text) throws RoomException, InterruptedException {
        return sendText(Chat.TOPIC, text);
    }

    /**
     * Opens one transcript segment ({@link Transcription}) for the words spoken on the audio track
     * {@code transcribedTrackSid} (for the agent's own speech: its published track's sid). Write
     * the words as they come; {@code close()} marks the segment final.
     */
    TextStreamWriter streamTranscript(String transcribedTrackSid) throws RoomException, InterruptedException;

    /** Sends a whole, final transcript segment for {@code transcribedTrackSid}; returns the stream id. */
    String sendTranscript(String transcribedTrackSid, String text) throws RoomException, InterruptedException;

    /**
     * Sends one version (interim or final) of a transcript segment, whole, as one text stream on
     * {@link Transcription#TOPIC}. A segment of another participant's speech (what an agent's
     * speech-to-text heard) goes out on that participant's behalf, so front ends show it as theirs;
     * LiveKit allows that to agents only. Returns the stream id.
     */
    String publishTranscript(TranscriptSegment segment) throws RoomException, InterruptedException;

    // ---- RPC ----

    /**
     * Answers RPC calls to {@code method} with {@code handler} (each call on its own virtual
     * thread). The handler stays registered across reconnects, until
     * {@link #unregisterRpcMethod} or the room closes.
     *
     * @throws IllegalStateException when the method already has a handler
     */
    void registerRpcMethod(String method, RpcHandler handler);

    /** Stops answering {@code method} (callers then get {@link RpcError#UNSUPPORTED_METHOD}); false if it had no handler. */
    boolean unregisterRpcMethod(String method);

    /**
     * Calls {@code method} on the participant {@code destinationIdentity} and waits for its answer.
     *
     * @param responseTimeout how long to wait for the answer, counted from sending (LiveKit's SDKs default to 15 s)
     * @return the response payload
     * @throws RpcError with LiveKit's code: {@link RpcError#REQUEST_PAYLOAD_TOO_LARGE} (over
     *                  {@value RpcError#MAX_PAYLOAD_BYTES} bytes), {@link RpcError#RECIPIENT_NOT_FOUND},
     *                  {@link RpcError#CONNECTION_TIMEOUT} (no ack within 7 s),
     *                  {@link RpcError#RESPONSE_TIMEOUT}, {@link RpcError#RECIPIENT_DISCONNECTED}
     *                  (the callee left, this room rejoined or closed), {@link RpcError#SEND_FAILED},
     *                  or whatever error the callee answered
     */
    String performRpc(String destinationIdentity, String method, String payload, Duration responseTimeout)
            throws RpcError, InterruptedException;

    // ---- this participant ----

    /** This participant as the server last described it (attributes, metadata, name, tracks). */
    Participant localParticipant();

    /**
     * Sets attributes of this participant and waits until the server accepted them. Attributes are
     * merged with the existing ones; an empty value removes a key. Kept and applied again after a
     * full rejoin.
     *
     * @throws RoomException when the server refused (the token lacks {@code canUpdateOwnMetadata},
     *                       or a size limit was exceeded: the message names it) or did not answer
     *                       within {@link RoomOptions#requestTimeout()}
     */
    void setAttributes(Map<String, String> attributes) throws RoomException, InterruptedException;

    /**
     * Sets this participant's metadata and waits until the server accepted it.
     *
     * @throws IllegalArgumentException for an empty string: LiveKit takes it as "unchanged"
     */
    void setMetadata(String metadata) throws RoomException, InterruptedException;

    /**
     * Sets this participant's display name and waits until the server accepted it.
     *
     * @throws IllegalArgumentException for an empty string: LiveKit takes it as "unchanged"
     */
    void setName(String name) throws RoomException, InterruptedException;

    /** Sets the {@value AgentState#ATTRIBUTE} attribute that LiveKit's agent front ends show. */
    default void setAgentState(AgentState state) throws RoomException, InterruptedException {
        setAttributes(Map.of(AgentState.ATTRIBUTE, state.wireValue()));
    }

    /** Counters of this room's data traffic, including what peers sent that was dropped. */
    DataStats dataStats();

    /**
     * Opens a blocking stream of the events that happen from now on.
     */
    RoomEventStream events();

    /**
     * Calls {@code listener} for every event from now on, in order, on a thread of the room's own
     * (never on a webrtc or network thread). A listener must not block for long: it delays the
     * events after it.
     *
     * @return a handle whose {@code close()} removes the listener
     */
    AutoCloseable addListener(Consumer<? super RoomEvent> listener);

    /** Whether the room has closed. */
    boolean isClosed();

    /** Why the room closed, once it has. */
    Optional<CloseReason> closeReason();

    /** Completes with the close reason when the room has closed and released its native objects. */
    CompletionStage<CloseReason> closed();

    /**
     * Waits until the room closes.
     *
     * @return why it closed, or empty if it was still open after {@code timeout}
     */
    Optional<CloseReason> awaitClosed(Duration timeout) throws InterruptedException;

    /**
     * Leaves the room (tells the server, closes the peer connections) and releases its native
     * objects, waiting a bounded time for it. Idempotent; the reason is
     * {@link CloseReason.Cause#CLIENT_LEFT} unless the room had already closed for another.
     */
    @Override
    void close();
}
