package io.openrtc.rtc;

import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import livekit.LivekitModels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Room} implementation: LiveKit's signal protocol v0 over a JDK websocket, with a
 * publisher and a subscriber peer connection from the {@link RtcRuntime}'s factories. This class
 * holds the room's state and lifecycle (joining, connected, reconnecting, closed) and the public
 * API; the concerns are cut as LiveKit's client SDKs cut them, each in a class of its own that
 * works on this room's state:
 * <ul>
 * <li>{@link RoomEngine}: join, ping, resume and rejoin (client-sdk-js's {@code RTCEngine});
 * <li>{@link ConnectionEvents}: what a connection's socket and peer connections deliver;
 * <li>{@link Negotiation}: offer and answer on both peer connections ({@code PCTransport});
 * <li>{@link LocalParticipant}, {@link RemoteParticipants}: this participant's tracks and
 *     details, the others and their tracks;
 * <li>{@link ConnectionTeardown}: releasing a connection's native objects in a safe order;
 * <li>{@link RoomData}: data packets, streams and RPC.
 * </ul>
 *
 * <p><b>Threads.</b> All mutable state is owned by one event loop per room ({@link RoomLoop}, a
 * single virtual thread). Websocket messages and webrtc callbacks only copy what they need and
 * hand a task to the loop, so the factory's shared signalling thread never waits on us. Loop
 * tasks may block on webrtc's offer/answer callbacks (which complete without the loop) but never
 * on a server reply: those arrive as later loop tasks and complete futures that callers outside
 * the loop wait on. The fields below are package-private for those classes; the loop owns them,
 * and they are volatile where other threads read them.
 *
 * <p><b>Connections.</b> A {@link RoomConnection} is one join attempt: signal socket, two peer
 * connections, negotiation state and the native senders of published tracks. A resume keeps it
 * and replaces only its signal socket (then restarts ICE on both peer connections); a full
 * rejoin tears it down and builds a new one, and {@link LocalAudioTrack}s survive it and are
 * published again.
 *
 * <p><b>Data.</b> Incoming data packets go to a {@link DataReceiver} on the loop (streams are
 * assembled there, RPC requests get threads of their own); sending goes through the
 * {@link DataChannelSender}, which numbers reliable packets under its own lock.
 */
final class LiveKitRoom implements Room {

    private static final Logger log = LoggerFactory.getLogger(LiveKitRoom.class);
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(15);

    enum State { JOINING, CONNECTED, RECONNECTING, CLOSED }

    final RtcRuntime runtime;
    final NativeCounters counters;
    final RoomOptions options;
    final URI serverUrl;
    final String label;
    final RoomLoop loop;
    final RoomEventHub events;
    final AudioPacer pacer;
    final ScheduledExecutorService timers;
    final RoomData data;
    private final CompletableFuture<CloseReason> closeFuture = new CompletableFuture<>();
    private final ReentrantLock stateLock = new ReentrantLock();
    private final Condition stateChanged = stateLock.newCondition();

    final RemoteParticipants remote = new RemoteParticipants(this);
    final LocalParticipant local = new LocalParticipant(this);
    final Negotiation negotiation = new Negotiation(this);
    final ConnectionTeardown teardown = new ConnectionTeardown(this);
    final ConnectionEvents connectionEvents = new ConnectionEvents(this);
    final RoomEngine engine = new RoomEngine(this);

    // Owned by the loop; volatile where other threads read them.
    volatile State state = State.JOINING;
    /** Set just before the state becomes CLOSED, for errors raised while closing. */
    private volatile CloseReason closingReason;
    volatile String token;
    volatile RoomConnection current;
    volatile String roomName = "";
    volatile String roomSid = "";
    volatile String localIdentity = "";
    volatile String localSid = "";
    boolean reconnecting;

    private LiveKitRoom(RtcRuntime runtime, URI serverUrl, String token, RoomOptions options) {
        this.runtime = runtime;
        this.counters = runtime.counters();
        this.options = options;
        this.serverUrl = serverUrl;
        this.token = token;
        this.label = Integer.toString(IDS.incrementAndGet());
        this.loop = new RoomLoop(label, this::closeReason);
        this.events = new RoomEventHub(label);
        // Kept here so that teardown works even while the runtime itself is closing.
        this.pacer = runtime.pacer();
        this.timers = runtime.timers();
        this.data = new RoomData(label, options, timers, identity -> remote.snapshot().containsKey(identity),
                this::requireOpen);
    }

    static Room connect(RtcRuntime runtime, URI serverUrl, String token, RoomOptions options)
            throws RoomJoinException, InterruptedException {
        SignalConnection.rtcUri(serverUrl, "rtc", true); // refuses a bad URL before anything is allocated
        LiveKitRoom room = new LiveKitRoom(runtime, serverUrl, token, options);
        runtime.register(room);
        long started = System.nanoTime();
        try {
            room.engine.attemptJoin();
        } catch (RoomJoinException | InterruptedException | RuntimeException e) {
            room.closeFor(new CloseReason(CloseReason.Cause.CLIENT_LEFT, "join failed"));
            throw e;
        }
        room.loop.run(() -> {
            if (room.state == State.JOINING) {
                room.setState(State.CONNECTED);
            }
            return null;
        });
        log.info("Joined room '{}' as '{}' ({}) in {} ms", room.roomName, room.localIdentity, room.localSid,
                (System.nanoTime() - started) / 1_000_000);
        return room;
    }

    // ------------------------------------------------------------------------------------------
    // Room API

    @Override
    public String name() {
        return roomName;
    }

    @Override
    public String sid() {
        return roomSid;
    }

    @Override
    public String localIdentity() {
        return localIdentity;
    }

    @Override
    public String localSid() {
        return localSid;
    }

    @Override
    public Collection<Participant> remoteParticipants() {
        return remote.snapshot().values();
    }

    @Override
    public Optional<Participant> remoteParticipant(String identity) {
        return Optional.ofNullable(remote.snapshot().get(identity));
    }

    @Override
    public List<RemoteAudioTrack> audioTracks() {
        return remote.audioTracks();
    }

    @Override
    public Optional<RemoteAudioTrack> awaitAudioTrack(Predicate<? super RemoteAudioTrack> filter, Duration timeout)
            throws InterruptedException {
        return remote.awaitAudioTrack(filter, timeout);
    }

    @Override
    public LocalAudioTrack publishAudio(String name) throws RoomException, InterruptedException {
        return local.publishAudio(name);
    }

    @Override
    public List<LocalAudioTrack> localAudioTracks() {
        return local.tracks();
    }

    // ---- data, streams, RPC: RoomData ----

    @Override
    public void publishData(byte[] payload, DataOptions dataOptions) throws RoomException, InterruptedException {
        data.publishData(payload, dataOptions);
    }

    @Override
    public MessageStream<DataMessage> dataMessages(String topic) {
        return data.dataMessages(topic);
    }

    @Override
    public MessageStream<TextMessage> texts(String topic) {
        return data.texts(topic);
    }

    @Override
    public MessageStream<ByteStreamMessage> byteStreams(String topic) {
        return data.byteStreams(topic);
    }

    @Override
    public String sendText(String topic, String text, StreamOptions streamOptions) throws RoomException, InterruptedException {
        return data.sendText(topic, text, streamOptions);
    }

    @Override
    public TextStreamWriter streamText(String topic, StreamOptions streamOptions) throws RoomException, InterruptedException {
        return data.streamText(topic, streamOptions);
    }

    @Override
    public String sendBytes(String topic, String name, String mimeType, byte[] content, StreamOptions streamOptions)
            throws RoomException, InterruptedException {
        return data.sendBytes(topic, name, mimeType, content, streamOptions);
    }

    @Override
    public TextStreamWriter streamTranscript(String transcribedTrackSid) throws RoomException, InterruptedException {
        return data.streamTranscript(transcribedTrackSid);
    }

    @Override
    public String sendTranscript(String transcribedTrackSid, String text) throws RoomException, InterruptedException {
        return data.sendTranscript(transcribedTrackSid, text);
    }

    @Override
    public String publishTranscript(TranscriptSegment segment) throws RoomException, InterruptedException {
        return data.publishTranscript(segment, localIdentity());
    }

    @Override
    public void registerRpcMethod(String method, RpcHandler handler) {
        data.registerRpcMethod(method, handler);
    }

    @Override
    public boolean unregisterRpcMethod(String method) {
        return data.unregisterRpcMethod(method);
    }

    @Override
    public String performRpc(String destinationIdentity, String method, String payload, Duration responseTimeout)
            throws RpcError, InterruptedException {
        return data.performRpc(destinationIdentity, method, payload, responseTimeout);
    }

    @Override
    public DataStats dataStats() {
        return data.stats();
    }

    // ---- this participant ----

    @Override
    public Participant localParticipant() {
        return local.snapshot();
    }

    @Override
    public void setAttributes(Map<String, String> attributes) throws RoomException, InterruptedException {
        local.setAttributes(attributes);
    }

    @Override
    public void setMetadata(String metadata) throws RoomException, InterruptedException {
        local.setMetadata(metadata);
    }

    @Override
    public void setName(String name) throws RoomException, InterruptedException {
        local.setName(name);
    }

    /** For {@link LocalAudioTrack#unpublish()}. */
    void unpublish(LocalAudioTrack track) throws InterruptedException {
        local.unpublish(track);
    }

    /** For {@link LocalAudioTrack}'s mute and unmute. */
    void sendMute(LocalAudioTrack track, boolean muted) {
        local.sendMute(track, muted);
    }

    /** Waits until the room is connected (not reconnecting). */
    void awaitConnected(Duration timeout, String forWhat) throws RoomException, InterruptedException {
        long nanos = timeout.toNanos();
        stateLock.lockInterruptibly();
        try {
            while (true) {
                if (state == State.CLOSED) {
                    throw new RoomClosedException("the room is closed", whyClosed());
                }
                if (state == State.CONNECTED) {
                    return;
                }
                if (nanos <= 0) {
                    throw new RoomException(forWhat + ": the room did not reconnect within " + timeout.toMillis() + " ms");
                }
                nanos = stateChanged.awaitNanos(nanos);
            }
        } finally {
            stateLock.unlock();
        }
    }

    void setState(State newState) {
        stateLock.lock();
        try {
            state = newState;
            stateChanged.signalAll();
        } finally {
            stateLock.unlock();
        }
    }

    private void requireOpen() {
        if (state == State.CLOSED) {
            throw new RoomClosedException("the room is closed", whyClosed());
        }
    }

    RoomConnection requireConnected() {
        RoomConnection c = current;
        if (state == State.CLOSED || c == null) {
            throw new RoomClosedException("the room is closed", closeReason().orElse(
                    new CloseReason(CloseReason.Cause.CLIENT_LEFT, "closed")));
        }
        if (state == State.RECONNECTING) {
            throw new IllegalStateException("the room is rejoining after a lost connection; try again when it has");
        }
        return c;
    }

    private CloseReason whyClosed() {
        CloseReason reason = closingReason;
        return reason != null ? reason : closeReason().orElse(new CloseReason(CloseReason.Cause.CLIENT_LEFT, "closed"));
    }

    @Override
    public RoomEventStream events() {
        return events.openStream();
    }

    @Override
    public AutoCloseable addListener(Consumer<? super RoomEvent> listener) {
        return events.addListener(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public boolean isClosed() {
        return closeFuture.isDone();
    }

    @Override
    public Optional<CloseReason> closeReason() {
        return Optional.ofNullable(closeFuture.getNow(null));
    }

    @Override
    public CompletionStage<CloseReason> closed() {
        return closeFuture.copy();
    }

    @Override
    public Optional<CloseReason> awaitClosed(Duration timeout) throws InterruptedException {
        try {
            return Optional.of(closeFuture.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("unreachable: the close future never fails", e);
        }
    }

    @Override
    public void close() {
        closeFor(new CloseReason(CloseReason.Cause.CLIENT_LEFT, ""));
    }

    @Override
    public String toString() {
        return "Room[" + roomName + " as " + localIdentity + ", " + state + "]";
    }

    /** Starts closing the room for {@code reason}; the future completes when it has released everything. */
    CompletableFuture<CloseReason> closeAsync(CloseReason reason) {
        boolean sendLeave = reason.cause() == CloseReason.Cause.CLIENT_LEFT
                || reason.cause() == CloseReason.Cause.RUNTIME_CLOSED;
        loop.execute(() -> finish(reason, sendLeave)); // false: already finished, the loop is gone
        return closeFuture;
    }

    /** Closes the room for {@code reason} and waits (bounded) until it has released everything. */
    void closeFor(CloseReason reason) {
        closeAsync(reason);
        try {
            closeFuture.get(options.leaveTimeout().plus(CLOSE_WAIT).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Room {} did not finish closing in time: {}", label, e.toString());
        }
    }

    /** Test hook: drops the signal socket as if the network had, without telling the server. */
    void simulateSignalLoss() {
        loop.execute(() -> {
            RoomConnection c = current;
            if (c != null && c.signal != null) {
                c.signal.abort();
                engine.connectionLost(c, "simulated signal loss", LivekitModels.ReconnectReason.RR_SIGNAL_DISCONNECTED, true);
            }
        });
    }

    /**
     * Loop: closes the room for good: releases the connection, ends local tracks, data and
     * remote tracks, then emits {@code Closed} (always the last event) and stops the loop.
     */
    void finish(CloseReason reason, boolean sendLeave) {
        if (state == State.CLOSED) {
            return;
        }
        closingReason = reason;
        setState(State.CLOSED);
        RoomConnection c = current;
        current = null;
        if (c != null) {
            teardown.release(c, sendLeave);
        }
        local.ended(reason);
        data.close(reason);
        runtime.unregister(this);
        if (reason.isNormal() || reason.cause() == CloseReason.Cause.RUNTIME_CLOSED) {
            log.info("Room '{}' closed: {}", roomName, reason);
        } else {
            log.warn("Room '{}' closed: {}", roomName, reason);
        }
        remote.publishTrackList();
        events.emit(new RoomEvent.Closed(reason));
        closeFuture.complete(reason);
        loop.shutdown();
    }
}
