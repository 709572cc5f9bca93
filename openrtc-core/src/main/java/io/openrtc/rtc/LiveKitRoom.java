package io.openrtc.rtc;

import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCBundlePolicy;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCIceTransportPolicy;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtcpMuxPolicy;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCRtpTransceiverDirection;
import dev.onvoid.webrtc.RTCRtpTransceiverInit;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import com.google.protobuf.InvalidProtocolBufferException;
import io.openrtc.rtc.PeerTransport.NegotiationException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import livekit.LivekitModels;
import livekit.LivekitModels.DataPacket;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitRtc;
import livekit.LivekitRtc.AddTrackRequest;
import livekit.LivekitRtc.JoinResponse;
import livekit.LivekitRtc.LeaveRequest;
import livekit.LivekitRtc.ReconnectResponse;
import livekit.LivekitRtc.SessionDescription;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import livekit.LivekitRtc.SignalTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Room} implementation: LiveKit's signal protocol v0 over a JDK websocket, with a
 * publisher and a subscriber peer connection from the {@link RtcRuntime}'s factories.
 *
 * <p><b>Threads.</b> All mutable state is owned by one event loop per room (a single virtual
 * thread). Websocket messages and webrtc callbacks only copy what they need and hand a task to
 * the loop, so the factory's shared signalling thread never waits on us. Loop tasks may block on
 * webrtc's offer/answer callbacks (which complete without the loop) but never on a server reply:
 * those arrive as later loop tasks and complete futures that callers outside the loop wait on.
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
    final RemoteParticipants remote = new RemoteParticipants(this);
    final LocalParticipant local = new LocalParticipant(this);
    final Negotiation negotiation = new Negotiation(this);
    final ConnectionTeardown teardown = new ConnectionTeardown(this);
    final ConnectionEvents connectionEvents = new ConnectionEvents(this);
    private final CompletableFuture<CloseReason> closeFuture = new CompletableFuture<>();
    final AudioPacer pacer;
    final ScheduledExecutorService timers;
    private final ReentrantLock stateLock = new ReentrantLock();
    private final Condition stateChanged = stateLock.newCondition();

    final RoomData data;


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
            room.attemptJoin();
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

    private void setState(State newState) {
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

    // ------------------------------------------------------------------------------------------
    // Joining (runs on the caller's thread, or the reconnect thread; never on the loop)

    private RoomConnection attemptJoin() throws RoomJoinException, InterruptedException {
        RoomConnection c = new RoomConnection(this);
        Boolean registered = loop.run(() -> {
            if (state == State.CLOSED) {
                return false;
            }
            current = c;
            return true;
        });
        if (!Boolean.TRUE.equals(registered)) {
            throw new RoomJoinException(JoinStep.SIGNAL_CONNECT, "the room was closed");
        }
        try {
            // Assigned before opening: the JoinResponse may be handled before open() returns.
            c.signal = connectionEvents.newSignal(c);
            c.signal.open(runtime.httpClient(), serverUrl, token, options.autoSubscribe(), options.joinTimeout());
            if (c.tornDown) { // closed while the socket was opening
                c.signal.abort();
            }
            await(c.joined, options.joinTimeout(), JoinStep.JOIN_RESPONSE,
                    "no JoinResponse within " + options.joinTimeout().toMillis() + " ms");
            await(c.mediaConnected, options.connectTimeout(), JoinStep.MEDIA_CONNECT,
                    "ICE/DTLS did not connect within " + options.connectTimeout().toMillis() + " ms (publisher "
                            + c.stateOf(SignalTarget.PUBLISHER) + ", subscriber " + c.stateOf(SignalTarget.SUBSCRIBER) + ")");
            loop.run(() -> {
                c.established = true;
                startPinging(c);
                return null;
            });
            return c;
        } catch (RoomJoinException | InterruptedException | RuntimeException e) {
            loop.execute(() -> teardown.release(c, false));
            throw e;
        }
    }

    private static void await(CompletableFuture<?> step, Duration timeout, JoinStep joinStep, String timeoutMessage)
            throws RoomJoinException, InterruptedException {
        try {
            step.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new RoomJoinException(joinStep, timeoutMessage);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RoomJoinException failure) {
                throw new RoomJoinException(failure.step(), failure.detail(), failure);
            }
            throw new RoomJoinException(joinStep, SignalConnection.rootMessage(e.getCause()), e.getCause());
        }
    }

    /**
     * Runs on a thread of its own after a lost connection: resumes {@code resumable} if given (and
     * the server lets it), else (or when that fails) rejoins; closes the room when neither works
     * within {@link RoomOptions#reconnectWindow()}.
     */
    private void reconnect(String cause, RoomConnection resumable, LivekitModels.ReconnectReason reason) {
        long started = System.nanoTime();
        try {
            if (resumable != null) {
                String whyNot = resumeWithinWindow(resumable, reason, started + options.reconnectWindow().toNanos());
                if (whyNot == null) {
                    return;
                }
                log.info("Room '{}': could not resume the connection ({}); rejoining", roomName, whyNot);
                Boolean proceed = loop.callOrNull(() -> {
                    if (state == State.CLOSED) {
                        return false;
                    }
                    teardownForRejoin(resumable);
                    return true;
                });
                if (!Boolean.TRUE.equals(proceed)) {
                    return;
                }
            }
            RoomConnection c = rejoinWithinWindow(started);
            local.republish(c);
            local.reapplyLocalState(c);
            loop.execute(() -> {
                if (state == State.RECONNECTING && current == c) {
                    reconnecting = false;
                    setState(State.CONNECTED);
                    log.info("Room '{}' rejoined as '{}' in {} ms", roomName, localIdentity,
                            (System.nanoTime() - started) / 1_000_000);
                    events.emit(new RoomEvent.Reconnected(ReconnectMode.REJOINED));
                }
            });
        } catch (RoomJoinException | RuntimeException e) {
            log.warn("Room '{}': rejoin after '{}' failed: {}", roomName, cause, e.getMessage());
            loop.execute(() -> finish(new CloseReason(CloseReason.Cause.CONNECTION_LOST,
                    cause + "; the rejoin failed: " + e.getMessage()), false));
        } catch (InterruptedException e) {
            loop.execute(() -> finish(new CloseReason(CloseReason.Cause.CONNECTION_LOST, cause + "; rejoin interrupted"), false));
        }
    }

    /**
     * Resume attempts until one works (null) or one fails for a reason other than an unreachable
     * server, or the window has passed (the reason, then the caller rejoins).
     */
    private String resumeWithinWindow(RoomConnection c, LivekitModels.ReconnectReason reason, long deadline)
            throws InterruptedException {
        long backoffMillis = 250;
        while (true) {
            long attemptStarted = System.nanoTime();
            try {
                resumeOnce(c, reason, attemptStarted);
                return null;
            } catch (RoomJoinException e) {
                loop.callOrNull(() -> {
                    abandonResumeAttempt(c);
                    return null;
                });
                if (state == State.CLOSED) {
                    return "the room closed";
                }
                boolean unreachable = e.step() == JoinStep.SIGNAL_CONNECT;
                if (!unreachable || System.nanoTime() + backoffMillis * 1_000_000 > deadline) {
                    return e.step() + ": " + e.detail();
                }
                log.debug("Room {}: server unreachable while resuming ({}); retrying in {} ms", label, e.detail(), backoffMillis);
                Thread.sleep(backoffMillis);
                backoffMillis = Math.min(backoffMillis * 2, 2_000);
            }
        }
    }

    /**
     * One resume: a new signal socket with {@code reconnect=1} and our sid; the server answers
     * with a ReconnectResponse (or refuses with a leave), we tell it our state (SyncState),
     * restart ICE on the publisher (the server restarts the subscriber with a new offer) and wait
     * until both peer connections are connected again.
     */
    private void resumeOnce(RoomConnection c, LivekitModels.ReconnectReason reason, long started)
            throws RoomJoinException, InterruptedException {
        ResumeAttempt attempt = loop.callOrNull(() -> {
            if (state != State.RECONNECTING || c.tornDown || c != current) {
                return null;
            }
            ResumeAttempt a = new ResumeAttempt();
            c.resumeAttempt = a;
            c.signal = connectionEvents.newSignal(c);
            a.signal = c.signal;
            return a;
        });
        if (attempt == null) {
            throw new RoomJoinException(JoinStep.SIGNAL_CONNECT, "the room closed");
        }
        Map<String, String> resumeQuery = Map.of("reconnect", "1", "sid", localSid,
                "reconnect_reason", Integer.toString(reason.getNumber()));
        attempt.signal.open(runtime.httpClient(), serverUrl, token, options.autoSubscribe(), options.joinTimeout(), resumeQuery);
        ReconnectResponse response = awaitResumeStep(attempt, attempt.firstMessage, options.joinTimeout(),
                JoinStep.JOIN_RESPONSE, "no answer to the resume within " + options.joinTimeout().toMillis() + " ms");
        CompletableFuture<Void> publisherRestarted = loop.run(() -> {
            c.requireUsable();
            sendSyncState(c);
            c.lastMessageNanos = System.nanoTime();
            startPinging(c);
            // An offer in flight when the socket dropped was never answered: this one replaces it.
            c.nextOfferWaiters.addAll(c.inFlightWaiters);
            c.inFlightWaiters = List.of();
            c.offerInFlight = false;
            c.iceRestart = true;
            return negotiation.negotiatePublisher(c);
        });
        awaitResumeStep(attempt, publisherRestarted, options.requestTimeout(), JoinStep.NEGOTIATION,
                "the publisher's ICE restart was not answered within " + options.requestTimeout().toMillis() + " ms");
        CompletableFuture<Void> mediaBack = loop.run(() -> {
            if (bothTransportsUp(c)) {
                return CompletableFuture.completedFuture(null);
            }
            attempt.mediaConnected = new CompletableFuture<>();
            return attempt.mediaConnected;
        });
        awaitResumeStep(attempt, mediaBack, options.connectTimeout(), JoinStep.MEDIA_CONNECT,
                "ICE did not reconnect within " + options.connectTimeout().toMillis() + " ms (publisher "
                        + c.stateOf(SignalTarget.PUBLISHER) + ", subscriber " + c.stateOf(SignalTarget.SUBSCRIBER) + ")");
        Boolean resumed = loop.run(() -> {
            if (state != State.RECONNECTING || c != current || c.tornDown || c.resumeAttempt != attempt) {
                return false;
            }
            c.resumeAttempt = null;
            c.resuming = false;
            reconnecting = false;
            setState(State.CONNECTED);
            log.info("Room '{}' resumed as '{}' ({}) in {} ms", roomName, localIdentity, localSid,
                    (System.nanoTime() - started) / 1_000_000);
            events.emit(new RoomEvent.Reconnected(ReconnectMode.RESUMED));
            return true;
        });
        if (!Boolean.TRUE.equals(resumed)) {
            throw new RoomJoinException(JoinStep.JOIN_RESPONSE, "the room closed while resuming");
        }
        if (response != null && response.getLastMessageSeq() > 0) {
            data.sender().resendAfter(Integer.toUnsignedLong(response.getLastMessageSeq()));
        }
    }

    /** Waits for one resume step, or for the attempt to fail (signal lost, server refused). */
    private <T> T awaitResumeStep(ResumeAttempt attempt, CompletableFuture<T> step, Duration timeout, JoinStep joinStep,
            String timeoutMessage) throws RoomJoinException, InterruptedException {
        try {
            CompletableFuture.anyOf(step, attempt.failed).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new RoomJoinException(joinStep, timeoutMessage);
        } catch (ExecutionException e) {
            throw new RoomJoinException(joinStep, SignalConnection.rootMessage(e.getCause()), e.getCause());
        }
        if (attempt.failed.isDone()) {
            throw new RoomJoinException(joinStep, attempt.failed.getNow("failed"));
        }
        return step.getNow(null);
    }

    /** Loop: stops what a failed resume attempt started (its socket, its ping timer). */
    private void abandonResumeAttempt(RoomConnection c) {
        ResumeAttempt attempt = c.resumeAttempt;
        if (attempt == null) {
            return;
        }
        c.resumeAttempt = null;
        attempt.failed.complete("abandoned");
        if (attempt.signal != null) {
            attempt.signal.abort();
        }
        if (c.pingTask != null) {
            c.pingTask.cancel(false);
        }
    }

    /** Loop: tells the server what this side has after a resume (LiveKit's SyncState). */
    private void sendSyncState(RoomConnection c) {
        LivekitRtc.SyncState.Builder sync = LivekitRtc.SyncState.newBuilder()
                // With auto-subscribe the server keeps every subscription: nothing to list.
                .setSubscription(LivekitRtc.UpdateSubscription.newBuilder().setSubscribe(!options.autoSubscribe()));
        if (c.lastSubscriberOffer != null) {
            sync.setOffer(c.lastSubscriberOffer);
        }
        if (c.lastSubscriberAnswer != null) {
            sync.setAnswer(c.lastSubscriberAnswer);
        }
        for (Map.Entry<LocalAudioTrack, AudioSender> entry : c.senders.entrySet()) {
            LocalAudioTrack track = entry.getKey();
            if (!track.sid().isEmpty()) {
                sync.addPublishTracks(LivekitRtc.TrackPublishedResponse.newBuilder().setCid(entry.getValue().cid())
                        .setTrack(TrackInfo.newBuilder().setSid(track.sid()).setName(track.name())
                                .setType(LivekitModels.TrackType.AUDIO).setSource(LivekitModels.TrackSource.MICROPHONE)
                                .setMuted(track.isMuted())));
            }
        }
        for (Map.Entry<RTCDataChannel, SignalTarget> entry : c.channelTargets.entrySet()) {
            try {
                sync.addDataChannels(LivekitRtc.DataChannelInfo.newBuilder().setLabel(entry.getKey().getLabel())
                        .setId(Math.max(0, entry.getKey().getId())).setTarget(entry.getValue()));
            } catch (RuntimeException e) {
                log.debug("Room {}: a data channel could not be described for the resume: {}", label, e.toString());
            }
        }
        data.receiver().receiveStates().forEach((sid, sequence) -> sync.addDatachannelReceiveStates(
                LivekitRtc.DataChannelReceiveState.newBuilder().setPublisherSid(sid).setLastSeq(sequence.intValue())));
        c.signal.send(SignalRequest.newBuilder().setSyncState(sync).build());
    }

    /**
     * The one rejoin: a full join, where only an unreachable server (it may be restarting) is
     * retried, with backoff, until {@link RoomOptions#reconnectWindow()} has passed.
     */
    private RoomConnection rejoinWithinWindow(long started) throws RoomJoinException, InterruptedException {
        long deadline = started + options.reconnectWindow().toNanos();
        long backoffMillis = 250;
        while (true) {
            try {
                return attemptJoin();
            } catch (RoomJoinException e) {
                boolean unreachable = e.step() == JoinStep.SIGNAL_CONNECT && state == State.RECONNECTING;
                if (!unreachable || System.nanoTime() + backoffMillis * 1_000_000 > deadline) {
                    throw e;
                }
                log.debug("Room {}: server unreachable while rejoining ({}); retrying in {} ms", label, e.detail(), backoffMillis);
                Thread.sleep(backoffMillis);
                backoffMillis = Math.min(backoffMillis * 2, 2_000);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Publishing (caller's thread)

    // ------------------------------------------------------------------------------------------
    // RoomConnection health (loop)

    private void startPinging(RoomConnection c) {
        long interval = c.pingInterval.toMillis();
        c.pingTask = runtime.timers().scheduleAtFixedRate(() -> loop.execute(() -> pingTick(c)), interval, interval,
                TimeUnit.MILLISECONDS);
    }

    private void pingTick(RoomConnection c) {
        if (c.tornDown || c != current) {
            return;
        }
        long silentMillis = (System.nanoTime() - c.lastMessageNanos) / 1_000_000;
        if (silentMillis > c.pingTimeout.toMillis()) {
            connectionLost(c, "no message from the server for " + silentMillis + " ms",
                    LivekitModels.ReconnectReason.RR_SIGNAL_DISCONNECTED, true);
            return;
        }
        c.signal.send(SignalRequest.newBuilder().setPingReq(LivekitRtc.Ping.newBuilder()
                .setTimestamp(System.currentTimeMillis()).setRtt(c.rttMillis)).build());
    }

    void onTransportState(RoomConnection c, SignalTarget target, RTCPeerConnectionState newState) {
        if (c.tornDown) {
            return;
        }
        log.debug("Room {}: {} connection {}", label, PeerTransport.name(target), newState);
        if (newState == RTCPeerConnectionState.FAILED) {
            if (!c.established) {
                c.failJoin(new RoomJoinException(JoinStep.MEDIA_CONNECT, "the " + PeerTransport.name(target)
                        + " connection failed (ICE/DTLS)"));
            } else {
                connectionLost(c, "the " + PeerTransport.name(target) + " connection failed",
                        target == SignalTarget.PUBLISHER ? LivekitModels.ReconnectReason.RR_PUBLISHER_FAILED
                                : LivekitModels.ReconnectReason.RR_SUBSCRIBER_FAILED, true);
            }
            return;
        }
        if (bothTransportsUp(c)) {
            c.mediaConnected.complete(null);
            ResumeAttempt resume = c.resumeAttempt;
            if (resume != null && resume.mediaConnected != null) {
                resume.mediaConnected.complete(null);
            }
        }
    }

    private static boolean bothTransportsUp(RoomConnection c) {
        boolean publisherUp = c.publisher != null && c.publisher.state() == RTCPeerConnectionState.CONNECTED;
        boolean subscriberUp = c.subscriber != null && (c.subscriber.state() == RTCPeerConnectionState.CONNECTED
                || !c.subscriberPrimary);
        return publisherUp && subscriberUp;
    }

    /**
     * Loop: the connection is gone (or the server asked to reconnect). Resume it when
     * {@code resumable} and the server allows, else rejoin; close when reconnecting is off or
     * already failed.
     */
    void connectionLost(RoomConnection c, String cause, LivekitModels.ReconnectReason reason, boolean resumable) {
        if (c.tornDown || c != current || state == State.CLOSED) {
            return;
        }
        if (!c.established) {
            c.failJoin(new RoomJoinException(JoinStep.JOIN_RESPONSE, cause));
            return;
        }
        if (c.resuming) {
            ResumeAttempt attempt = c.resumeAttempt;
            if (attempt != null) {
                attempt.failed.complete(cause); // the resume thread moves on (retry or rejoin)
            }
            return;
        }
        if (!options.reconnect() || reconnecting) {
            finish(new CloseReason(CloseReason.Cause.CONNECTION_LOST, cause), false);
            return;
        }
        boolean resume = resumable && options.resume() && c.resumeAllowed && !localSid.isEmpty();
        log.warn("Room '{}': {}; {}", roomName, cause, resume ? "resuming" : "rejoining");
        reconnecting = true;
        setState(State.RECONNECTING);
        events.emit(new RoomEvent.Reconnecting(cause));
        if (resume) {
            c.resuming = true;
            if (c.pingTask != null) {
                c.pingTask.cancel(false);
            }
            c.signal.abort();
        } else {
            teardownForRejoin(c);
        }
        RoomConnection toResume = resume ? c : null;
        Thread.ofVirtual().name("room-" + label + "-reconnect").start(() -> reconnect(cause, toResume, reason));
    }

    /** Loop: a full rejoin follows: release the connection and reset what cannot survive it. */
    private void teardownForRejoin(RoomConnection c) {
        teardown.release(c, false);
        data.rejoining();
    }

    /** Test hook: drops the signal socket as if the network had, without telling the server. */
    void simulateSignalLoss() {
        loop.execute(() -> {
            RoomConnection c = current;
            if (c != null && c.signal != null) {
                c.signal.abort();
                connectionLost(c, "simulated signal loss", LivekitModels.ReconnectReason.RR_SIGNAL_DISCONNECTED, true);
            }
        });
    }

    // ------------------------------------------------------------------------------------------
    // Closing (loop)

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

    // ------------------------------------------------------------------------------------------
}
