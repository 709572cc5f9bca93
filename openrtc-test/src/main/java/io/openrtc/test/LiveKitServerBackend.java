package io.openrtc.test;

/** Where a {@link LiveKitServer} comes from. */
public enum LiveKitServerBackend {
    /** A server someone else runs, named by {@code LIVEKIT_URL}, {@code LIVEKIT_API_KEY}, {@code LIVEKIT_API_SECRET}. */
    EXTERNAL,
    /** The livekit-server binary installed by {@code scripts/livekit-server.sh install}, one per test class. */
    LOCAL_BINARY,
    /** The {@code livekit/livekit-server} image run by Testcontainers. */
    CONTAINER
}
