package io.openrtc.rtc;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import io.openrtc.observe.SessionMdc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import livekit.LivekitModels;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitRtc;
import livekit.LivekitRtc.ReconnectResponse;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joining and staying joined (client-sdk-js's {@code RTCEngine}): the join, the ping and the
 * peer connections' health, and after a lost connection a resume, else one rejoin, within
 * {@link RoomOptions#reconnectWindow()}. Joins and reconnects run on the caller's or a reconnect
 * thread and wait for loop tasks; the health checks run on the loop.
 */
final class RoomEngine {

    private static final Logger log = LoggerFactory.getLogger(RoomEngine.class);

    private final LiveKitRoom room;

    RoomEngine(LiveKitRoom room) {
        this.room = room;
    }

    // ---- joining (runs on the caller's thread, or the reconnect thread; never on the loop) ----

    RoomConnection attemptJoin() throws RoomJoinException, InterruptedException {
        RoomConnection c = new RoomConnection(room);
        Boolean registered = room.loop.run(() -> {
            if (room.state == LiveKitRoom.State.CLOSED) {
                return false;
            }
            room.current = c;
            return true;
        });
        if (!Boolean.TRUE.equals(registered)) {
            throw new RoomJoinException(JoinStep.SIGNAL_CONNECT, "the room was closed");
        }
        try {
            // Assigned before opening: the JoinResponse may be handled before open() returns.
            c.signal = room.connectionEvents.newSignal(c);
            c.signal.open(room.runtime.httpClient(), room.serverUrl, room.token, room.options.autoSubscribe(),
                    room.options.joinTimeout());
            if (c.tornDown) { // closed while the socket was opening
                c.signal.abort();
            }
            await(c.joined, room.options.joinTimeout(), JoinStep.JOIN_RESPONSE,
                    "no JoinResponse within " + room.options.joinTimeout().toMillis() + " ms");
            await(c.mediaConnected, room.options.connectTimeout(), JoinStep.MEDIA_CONNECT,
                    "ICE/DTLS did not connect within " + room.options.connectTimeout().toMillis() + " ms (publisher "
                            + c.stateOf(SignalTarget.PUBLISHER) + ", subscriber " + c.stateOf(SignalTarget.SUBSCRIBER) + ")");
            room.loop.run(() -> {
                c.established = true;
                startPinging(c);
                return null;
            });
            return c;
        } catch (RoomJoinException | InterruptedException | RuntimeException e) {
            room.loop.execute(() -> room.teardown.release(c, false));
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
                String whyNot = resumeWithinWindow(resumable, reason, started + room.options.reconnectWindow().toNanos());
                if (whyNot == null) {
                    return;
                }
                log.info("Room '{}': could not resume the connection ({}); rejoining", room.roomName, whyNot);
                Boolean proceed = room.loop.callOrNull(() -> {
                    if (room.state == LiveKitRoom.State.CLOSED) {
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
            room.local.republish(c);
            room.local.reapplyLocalState(c);
            room.loop.execute(() -> {
                if (room.state == LiveKitRoom.State.RECONNECTING && room.current == c) {
                    room.reconnecting = false;
                    room.setState(LiveKitRoom.State.CONNECTED);
                    log.info("Room '{}' rejoined as '{}' in {} ms", room.roomName, room.localIdentity,
                            (System.nanoTime() - started) / 1_000_000);
                    room.events.emit(new RoomEvent.Reconnected(ReconnectMode.REJOINED));
                }
            });
        } catch (RoomJoinException | RuntimeException e) {
            log.warn("Room '{}': rejoin after '{}' failed: {}", room.roomName, cause, e.getMessage());
            room.loop.execute(() -> room.finish(new CloseReason(CloseReason.Cause.CONNECTION_LOST,
                    cause + "; the rejoin failed: " + e.getMessage()), false));
        } catch (InterruptedException e) {
            room.loop.execute(() -> room.finish(new CloseReason(CloseReason.Cause.CONNECTION_LOST,
                    cause + "; rejoin interrupted"), false));
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
                room.loop.callOrNull(() -> {
                    abandonResumeAttempt(c);
                    return null;
                });
                if (room.state == LiveKitRoom.State.CLOSED) {
                    return "the room closed";
                }
                boolean unreachable = e.step() == JoinStep.SIGNAL_CONNECT;
                if (!unreachable || System.nanoTime() + backoffMillis * 1_000_000 > deadline) {
                    return e.step() + ": " + e.detail();
                }
                log.debug("Room {}: server unreachable while resuming ({}); retrying in {} ms", room.label, e.detail(),
                        backoffMillis);
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
        ResumeAttempt attempt = room.loop.callOrNull(() -> {
            if (room.state != LiveKitRoom.State.RECONNECTING || c.tornDown || c != room.current) {
                return null;
            }
            ResumeAttempt a = new ResumeAttempt();
            c.resumeAttempt = a;
            c.signal = room.connectionEvents.newSignal(c);
            a.signal = c.signal;
            return a;
        });
        if (attempt == null) {
            throw new RoomJoinException(JoinStep.SIGNAL_CONNECT, "the room closed");
        }
        Map<String, String> resumeQuery = Map.of("reconnect", "1", "sid", room.localSid,
                "reconnect_reason", Integer.toString(reason.getNumber()));
        attempt.signal.open(room.runtime.httpClient(), room.serverUrl, room.token, room.options.autoSubscribe(),
                room.options.joinTimeout(), resumeQuery);
        ReconnectResponse response = awaitResumeStep(attempt, attempt.firstMessage, room.options.joinTimeout(),
                JoinStep.JOIN_RESPONSE, "no answer to the resume within " + room.options.joinTimeout().toMillis() + " ms");
        CompletableFuture<Void> publisherRestarted = room.loop.run(() -> {
            c.requireUsable();
            sendSyncState(c);
            c.lastMessageNanos = System.nanoTime();
            startPinging(c);
            // An offer in flight when the socket dropped was never answered: this one replaces it.
            c.nextOfferWaiters.addAll(c.inFlightWaiters);
            c.inFlightWaiters = List.of();
            c.offerInFlight = false;
            c.iceRestart = true;
            return room.negotiation.negotiatePublisher(c);
        });
        awaitResumeStep(attempt, publisherRestarted, room.options.requestTimeout(), JoinStep.NEGOTIATION,
                "the publisher's ICE restart was not answered within " + room.options.requestTimeout().toMillis() + " ms");
        CompletableFuture<Void> mediaBack = room.loop.run(() -> {
            if (bothTransportsUp(c)) {
                return CompletableFuture.completedFuture(null);
            }
            attempt.mediaConnected = new CompletableFuture<>();
            return attempt.mediaConnected;
        });
        awaitResumeStep(attempt, mediaBack, room.options.connectTimeout(), JoinStep.MEDIA_CONNECT,
                "ICE did not reconnect within " + room.options.connectTimeout().toMillis() + " ms (publisher "
                        + c.stateOf(SignalTarget.PUBLISHER) + ", subscriber " + c.stateOf(SignalTarget.SUBSCRIBER) + ")");
        Boolean resumed = room.loop.run(() -> {
            if (room.state != LiveKitRoom.State.RECONNECTING || c != room.current || c.tornDown || c.resumeAttempt != attempt) {
                return false;
            }
            c.resumeAttempt = null;
            c.resuming = false;
            room.reconnecting = false;
            room.setState(LiveKitRoom.State.CONNECTED);
            log.info("Room '{}' resumed as '{}' ({}) in {} ms", room.roomName, room.localIdentity, room.localSid,
                    (System.nanoTime() - started) / 1_000_000);
            room.events.emit(new RoomEvent.Reconnected(ReconnectMode.RESUMED));
            return true;
        });
        if (!Boolean.TRUE.equals(resumed)) {
            throw new RoomJoinException(JoinStep.JOIN_RESPONSE, "the room closed while resuming");
        }
        if (response != null && response.getLastMessageSeq() > 0) {
            room.data.sender().resendAfter(Integer.toUnsignedLong(response.getLastMessageSeq()));
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
                .setSubscription(LivekitRtc.UpdateSubscription.newBuilder().setSubscribe(!room.options.autoSubscribe()));
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
                log.debug("Room {}: a data channel could not be described for the resume: {}", room.label, e.toString());
            }
        }
        room.data.receiver().receiveStates().forEach((sid, sequence) -> sync.addDatachannelReceiveStates(
                LivekitRtc.DataChannelReceiveState.newBuilder().setPublisherSid(sid).setLastSeq(sequence.intValue())));
        c.signal.send(SignalRequest.newBuilder().setSyncState(sync).build());
    }

    /**
     * The one rejoin: a full join, where only an unreachable server (it may be restarting) is
     * retried, with backoff, until {@link RoomOptions#reconnectWindow()} has passed.
     */
    private RoomConnection rejoinWithinWindow(long started) throws RoomJoinException, InterruptedException {
        long deadline = started + room.options.reconnectWindow().toNanos();
        long backoffMillis = 250;
        while (true) {
            try {
                return attemptJoin();
            } catch (RoomJoinException e) {
                boolean unreachable = e.step() == JoinStep.SIGNAL_CONNECT && room.state == LiveKitRoom.State.RECONNECTING;
                if (!unreachable || System.nanoTime() + backoffMillis * 1_000_000 > deadline) {
                    throw e;
                }
                log.debug("Room {}: server unreachable while rejoining ({}); retrying in {} ms", room.label, e.detail(),
                        backoffMillis);
                Thread.sleep(backoffMillis);
                backoffMillis = Math.min(backoffMillis * 2, 2_000);
            }
        }
    }

    // ---- connection health (loop) ----

    private void startPinging(RoomConnection c) {
        long interval = c.pingInterval.toMillis();
        c.pingTask = room.runtime.timers().scheduleAtFixedRate(() -> room.loop.execute(() -> pingTick(c)), interval, interval,
                TimeUnit.MILLISECONDS);
    }

    private void pingTick(RoomConnection c) {
        if (c.tornDown || c != room.current) {
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

    /** Loop: webrtc reported a new state of one of {@code c}'s peer connections. */
    void onTransportState(RoomConnection c, SignalTarget target, RTCPeerConnectionState newState) {
        if (c.tornDown) {
            return;
        }
        log.debug("Room {}: {} connection {}", room.label, PeerTransport.name(target), newState);
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
        if (c.tornDown || c != room.current || room.state == LiveKitRoom.State.CLOSED) {
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
        if (!room.options.reconnect() || room.reconnecting) {
            room.finish(new CloseReason(CloseReason.Cause.CONNECTION_LOST, cause), false);
            return;
        }
        boolean resume = resumable && room.options.resume() && c.resumeAllowed && !room.localSid.isEmpty();
        log.warn("Room '{}': {}; {}", room.roomName, cause, resume ? "resuming" : "rejoining");
        room.reconnecting = true;
        room.setState(LiveKitRoom.State.RECONNECTING);
        room.events.emit(new RoomEvent.Reconnecting(cause));
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
        Thread.ofVirtual().name("room-" + room.label + "-reconnect").start(SessionMdc.propagate(() -> reconnect(cause, toResume, reason)));
    }

    /** Loop: a full rejoin follows: release the connection and reset what cannot survive it. */
    private void teardownForRejoin(RoomConnection c) {
        room.teardown.release(c, false);
        room.data.rejoining();
    }
}
