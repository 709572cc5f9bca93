package io.openrtc.rtc;

import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import io.openrtc.rtc.PeerTransport.NegotiationException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import livekit.LivekitModels;
import livekit.LivekitRtc;
import livekit.LivekitRtc.SessionDescription;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offer and answer for a connection's two {@link PeerTransport}s (client-sdk-js's
 * {@code PCTransport} negotiation): the publisher's offers are made one at a time, and a change
 * made while one is in flight is folded into the next; the subscriber answers the server's
 * offers. Runs on the room's loop, which may block on webrtc's SDP callbacks but never on the
 * server.
 */
final class Negotiation {

    private static final Logger log = LoggerFactory.getLogger(Negotiation.class);

    private final LiveKitRoom room;

    Negotiation(LiveKitRoom room) {
        this.room = room;
    }

    /** Loop: answers the server's offer for the subscriber. */
    void onSubscriberOffer(RoomConnection c, SessionDescription offer) {
        if (c.subscriber == null) {
            return;
        }
        c.midToTrackId.putAll(offer.getMidToTrackIdMap());
        try {
            c.subscriber.setRemoteDescription(new RTCSessionDescription(RTCSdpType.OFFER, offer.getSdp()));
            RTCSessionDescription answer = c.subscriber.createAnswer();
            c.subscriber.setLocalDescription(answer);
            c.lastSubscriberOffer = offer;
            c.lastSubscriberAnswer = SessionDescription.newBuilder().setType("answer").setSdp(answer.sdp)
                    .setId(offer.getId()).build();
            c.signal.send(SignalRequest.newBuilder().setAnswer(c.lastSubscriberAnswer).build());
        } catch (NegotiationException e) {
            negotiationFailed(c, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Loop: returns a future completed when an offer made after this call has been answered. */
    CompletableFuture<Void> negotiatePublisher(RoomConnection c) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        c.nextOfferWaiters.add(done);
        if (c.offerInFlight) {
            c.renegotiate = true;
        } else {
            sendPublisherOffer(c);
        }
        return done;
    }

    private void sendPublisherOffer(RoomConnection c) {
        c.inFlightWaiters = new ArrayList<>(c.nextOfferWaiters);
        c.nextOfferWaiters.clear();
        try {
            RTCSessionDescription offer = c.publisher.createOffer(c.iceRestart);
            c.iceRestart = false;
            c.publisher.setLocalDescription(offer);
            c.offerId++;
            c.offerInFlight = true;
            c.signal.send(SignalRequest.newBuilder().setOffer(SessionDescription.newBuilder()
                    .setType("offer").setSdp(offer.sdp).setId(c.offerId)).build());
        } catch (NegotiationException e) {
            c.inFlightWaiters.forEach(w -> w.completeExceptionally(new RoomException(e.getMessage())));
            negotiationFailed(c, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Loop: the server's answer to our last publisher offer. */
    void onPublisherAnswer(RoomConnection c, SessionDescription answer) {
        if (c.publisher == null || (answer.getId() != 0 && answer.getId() != c.offerId)) {
            log.debug("Room {}: ignored a stale publisher answer {} (offer {})", room.label, answer.getId(), c.offerId);
            return;
        }
        try {
            c.publisher.setRemoteDescription(new RTCSessionDescription(RTCSdpType.ANSWER, answer.getSdp()));
            c.offerInFlight = false;
            c.inFlightWaiters.forEach(w -> w.complete(null));
            c.inFlightWaiters = List.of();
            if (c.renegotiate) {
                c.renegotiate = false;
                sendPublisherOffer(c);
            }
        } catch (NegotiationException e) {
            c.inFlightWaiters.forEach(w -> w.completeExceptionally(new RoomException(e.getMessage())));
            negotiationFailed(c, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Failing during the join fails the join; later, the connection is lost and rejoined. */
    private void negotiationFailed(RoomConnection c, String message) {
        if (!c.established) {
            c.failJoin(new RoomJoinException(JoinStep.NEGOTIATION, message));
        } else {
            room.engine.connectionLost(c, "negotiation failed: " + message, LivekitModels.ReconnectReason.RR_UNKNOWN, false);
        }
    }

    /** Loop: a remote ICE candidate (queued by the transport until its remote description is set). */
    void onTrickle(RoomConnection c, LivekitRtc.TrickleRequest trickle) {
        PeerTransport transport = trickle.getTarget() == SignalTarget.PUBLISHER ? c.publisher : c.subscriber;
        if (transport == null) {
            return;
        }
        try {
            transport.addRemoteCandidate(IceCandidates.fromJson(trickle.getCandidateInit()));
        } catch (java.io.IOException e) {
            log.debug("Room {}: ignored a malformed remote candidate: {}", room.label, e.getMessage());
        }
    }
}
