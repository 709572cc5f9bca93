package io.openrtc.rtc;

import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
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
 * Follow what happens with {@link #events()} (blocking) or {@link #addListener} (callbacks).
 * The room ends when {@link #close()} is called, when the server ends it (room deleted,
 * participant removed, leave), or when the connection is lost and one rejoin attempt fails;
 * {@link #closeReason()} and {@link #awaitClosed} tell why.
 *
 * <p>Every method is thread-safe. Blocking methods may be interrupted.
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

    /** This participant's server id ({@code PA_...}); changes after a rejoin. */
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
