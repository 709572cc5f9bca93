package io.openrtc.rtc;

import java.util.Objects;

/**
 * A track some participant has published in the room, as the server describes it.
 *
 * @param sid      the server's track id ({@code TR_...})
 * @param name     the name the publisher gave it
 * @param kind     audio, video or data
 * @param source   microphone, camera and so on
 * @param muted    whether the publisher has muted it
 * @param mimeType the codec, for example {@code audio/opus} (may be empty before media flows)
 */
public record TrackPublication(String sid, String name, TrackKind kind, TrackSource source, boolean muted, String mimeType) {

    public TrackPublication {
        Objects.requireNonNull(sid, "sid");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(mimeType, "mimeType");
    }
}
