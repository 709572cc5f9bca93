package io.openrtc.rtc;

/** What kind of client a participant is, from its token's {@code kind} claim. */
public enum ParticipantKind {
    STANDARD,
    INGRESS,
    EGRESS,
    SIP,
    AGENT,
    CONNECTOR,
    /** A kind this client does not know (newer server). */
    UNKNOWN
}
