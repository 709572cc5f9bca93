package io.openrtc.rtc;

/**
 * How many native webrtc objects created by rooms are alive right now. Tests use it to prove that
 * closing a room (or failing to join one) releases everything.
 *
 * @param rooms           rooms not yet fully closed
 * @param peerConnections peer connections not yet closed
 * @param audioSources    local audio sources not yet disposed
 * @param localTracks     local audio tracks not yet disposed
 * @param audioSinks      sinks attached to remote audio tracks and not yet removed
 * @param dataChannels    data channels not yet released
 * @param releaseFailures native objects whose release webrtc-java refused (something native still
 *                        held them) since the runtime started; they are not counted as alive above
 */
public record NativeObjectCounts(long rooms, long peerConnections, long audioSources, long localTracks, long audioSinks,
        long dataChannels, long releaseFailures) {

    /** Whether nothing is alive and every release succeeded. */
    public boolean isZero() {
        return rooms == 0 && peerConnections == 0 && audioSources == 0 && localTracks == 0 && audioSinks == 0
                && dataChannels == 0 && releaseFailures == 0;
    }
}
