package io.openrtc.rtc;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import livekit.LivekitRtc.SignalTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer connection of a join attempt (publisher or subscriber) with its negotiation helpers.
 *
 * <p>The blocking helpers wait for webrtc's callbacks, which complete on the factory's signalling
 * thread without needing the caller: they are safe on the room's event loop, and never called from
 * a webrtc callback. Remote ICE candidates wait in a queue until the remote description is set.
 * Not thread-safe except where noted: the room's event loop owns it.
 */
final class PeerTransport {

    private static final Logger log = LoggerFactory.getLogger(PeerTransport.class);
    private static final Duration SDP_TIMEOUT = Duration.ofSeconds(10);

    final SignalTarget target;
    private final RTCPeerConnection pc;
    private final NativeCounters counters;
    private final List<RTCIceCandidate> pendingCandidates = new ArrayList<>();
    private boolean remoteDescriptionSet;
    private volatile RTCPeerConnectionState state = RTCPeerConnectionState.NEW;
    private boolean closed;

    private PeerTransport(SignalTarget target, RTCPeerConnection pc, NativeCounters counters) {
        this.target = target;
        this.pc = pc;
        this.counters = counters;
    }

    static PeerTransport create(SignalTarget target, PeerConnectionFactory factory, RTCConfiguration configuration,
            PeerConnectionObserver observer, NativeCounters counters) {
        RTCPeerConnection pc = factory.createPeerConnection(configuration, observer);
        if (pc == null) {
            throw new IllegalStateException("webrtc refused to create the " + name(target) + " peer connection");
        }
        counters.peerConnections.incrementAndGet();
        return new PeerTransport(target, pc, counters);
    }

    RTCPeerConnection pc() {
        return pc;
    }

    String name() {
        return name(target);
    }

    /** Thread-safe: the last state webrtc reported. */
    RTCPeerConnectionState state() {
        return state;
    }

    /** Records a state reported by webrtc (thread-safe). */
    void stateChanged(RTCPeerConnectionState newState) {
        state = newState;
    }

    boolean isClosed() {
        return closed;
    }

    RTCSessionDescription createOffer() throws NegotiationException, InterruptedException {
        return createOffer(false);
    }

    /** An offer; with {@code iceRestart} it carries new ICE credentials (used to resume a connection). */
    RTCSessionDescription createOffer(boolean iceRestart) throws NegotiationException, InterruptedException {
        CompletableFuture<RTCSessionDescription> result = new CompletableFuture<>();
        RTCOfferOptions offerOptions = new RTCOfferOptions();
        offerOptions.iceRestart = iceRestart;
        pc.createOffer(offerOptions, describeInto(result));
        return await(result, "create an offer");
    }

    RTCSessionDescription createAnswer() throws NegotiationException, InterruptedException {
        CompletableFuture<RTCSessionDescription> result = new CompletableFuture<>();
        pc.createAnswer(new RTCAnswerOptions(), describeInto(result));
        return await(result, "create an answer");
    }

    void setLocalDescription(RTCSessionDescription description) throws NegotiationException, InterruptedException {
        CompletableFuture<Void> result = new CompletableFuture<>();
        pc.setLocalDescription(description, setInto(result));
        await(result, "set the local description");
    }

    void setRemoteDescription(RTCSessionDescription description) throws NegotiationException, InterruptedException {
        CompletableFuture<Void> result = new CompletableFuture<>();
        pc.setRemoteDescription(description, setInto(result));
        await(result, "set the remote " + description.sdpType.name().toLowerCase());
        remoteDescriptionSet = true;
        for (RTCIceCandidate candidate : pendingCandidates) {
            addCandidateNow(candidate);
        }
        pendingCandidates.clear();
    }

    /** Adds a remote candidate now, or queues it until the remote description is set. */
    void addRemoteCandidate(RTCIceCandidate candidate) {
        if (closed) {
            return;
        }
        if (remoteDescriptionSet) {
            addCandidateNow(candidate);
        } else {
            pendingCandidates.add(candidate);
        }
    }

    /**
     * Asks WebRTC for the connection's statistics. Completes empty once the connection is closed
     * (a closed connection must not be asked), and within {@code timeout} otherwise.
     */
    synchronized java.util.concurrent.CompletableFuture<java.util.Optional<dev.onvoid.webrtc.RTCStatsReport>> stats(java.time.Duration timeout) {
        java.util.concurrent.CompletableFuture<java.util.Optional<dev.onvoid.webrtc.RTCStatsReport>> result =
                new java.util.concurrent.CompletableFuture<>();
        if (closed) {
            result.complete(java.util.Optional.empty());
            return result;
        }
        try {
            pc.getStats(report -> result.complete(java.util.Optional.ofNullable(report)));
        } catch (RuntimeException e) {
            result.complete(java.util.Optional.empty());
        }
        return result.completeOnTimeout(java.util.Optional.empty(), timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Closes the connection. webrtc-java's {@code close()} runs synchronously on the signalling
     * thread and releases the observer, so the connection is CLOSED when this returns. Idempotent.
     */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        pendingCandidates.clear();
        try {
            pc.close();
        } catch (Throwable t) {
            log.warn("Closing the {} peer connection failed: {}", name(), t.toString());
            counters.releaseFailures.incrementAndGet();
        } finally {
            state = RTCPeerConnectionState.CLOSED;
            counters.peerConnections.decrementAndGet();
        }
    }

    private void addCandidateNow(RTCIceCandidate candidate) {
        try {
            pc.addIceCandidate(candidate);
        } catch (RuntimeException e) {
            log.debug("The {} connection refused a remote candidate: {}", name(), e.toString());
        }
    }

    private <T> T await(CompletableFuture<T> result, String what) throws NegotiationException, InterruptedException {
        try {
            return result.get(SDP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new NegotiationException("the " + name() + " connection could not " + what + ": "
                    + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new NegotiationException("the " + name() + " connection did not " + what + " within "
                    + SDP_TIMEOUT.toSeconds() + " s");
        }
    }

    private static CreateSessionDescriptionObserver describeInto(CompletableFuture<RTCSessionDescription> result) {
        return new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription description) {
                result.complete(description);
            }

            @Override
            public void onFailure(String error) {
                result.completeExceptionally(new IllegalStateException(error));
            }
        };
    }

    private static SetSessionDescriptionObserver setInto(CompletableFuture<Void> result) {
        return new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                result.complete(null);
            }

            @Override
            public void onFailure(String error) {
                result.completeExceptionally(new IllegalStateException(error));
            }
        };
    }

    static String name(SignalTarget target) {
        return target == SignalTarget.PUBLISHER ? "publisher" : "subscriber";
    }

    /** An offer/answer step failed. */
    static final class NegotiationException extends Exception {
        private static final long serialVersionUID = 1L;

        NegotiationException(String message) {
            super(message);
        }
    }
}
