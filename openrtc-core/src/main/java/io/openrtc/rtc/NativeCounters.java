package io.openrtc.rtc;

import java.util.concurrent.atomic.AtomicLong;

/** The live-object counters behind {@link NativeObjectCounts}; incremented on create, decremented on release. */
final class NativeCounters {

    final AtomicLong rooms = new AtomicLong();
    final AtomicLong peerConnections = new AtomicLong();
    final AtomicLong audioSources = new AtomicLong();
    final AtomicLong localTracks = new AtomicLong();
    final AtomicLong audioSinks = new AtomicLong();
    final AtomicLong dataChannels = new AtomicLong();
    final AtomicLong releaseFailures = new AtomicLong();

    NativeObjectCounts snapshot() {
        return new NativeObjectCounts(rooms.get(), peerConnections.get(), audioSources.get(), localTracks.get(),
                audioSinks.get(), dataChannels.get(), releaseFailures.get());
    }
}
