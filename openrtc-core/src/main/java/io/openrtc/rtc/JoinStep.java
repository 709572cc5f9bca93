package io.openrtc.rtc;

/** The steps of joining a room, in order; a failed join names the one that failed. */
public enum JoinStep {
    /** Opening the signal websocket: the server did not answer, or refused the upgrade for a reason other than the token. */
    SIGNAL_CONNECT,
    /** The server rejected the token (expired, wrong key, no room-join grant) at the websocket upgrade. */
    AUTHORIZATION,
    /** Waiting for the server's JoinResponse: it did not come in time, or the server sent a leave instead. */
    JOIN_RESPONSE,
    /** Creating the peer connections or negotiating them (offer/answer). */
    NEGOTIATION,
    /** Waiting for ICE and DTLS to connect both peer connections. */
    MEDIA_CONNECT
}
