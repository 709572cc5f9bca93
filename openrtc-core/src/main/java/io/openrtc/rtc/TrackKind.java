package io.openrtc.rtc;

/** What a published track carries. */
public enum TrackKind {
    AUDIO,
    VIDEO,
    DATA,
    /** A kind this client does not know (newer server). */
    UNKNOWN
}
