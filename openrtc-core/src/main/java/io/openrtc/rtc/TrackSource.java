package io.openrtc.rtc;

/** Where a published track comes from, as its publisher declared it. */
public enum TrackSource {
    UNKNOWN,
    CAMERA,
    /** A microphone: agents' voices and callers' speech; what agent front ends look for. */
    MICROPHONE,
    SCREEN_SHARE,
    SCREEN_SHARE_AUDIO
}
