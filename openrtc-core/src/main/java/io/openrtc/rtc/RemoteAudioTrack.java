package io.openrtc.rtc;

import dev.onvoid.webrtc.media.audio.AudioTrack;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A remote participant's audio track this room is subscribed to. Read its audio with
 * {@link #openStream()}; every stream gets every frame. The track ends when its publisher
 * unpublishes it or leaves, or the room closes; its streams end with it.
 */
public final class RemoteAudioTrack {

    private static final Logger log = LoggerFactory.getLogger(RemoteAudioTrack.class);

    private final String sid;
    private final String participantIdentity;
    private final TrackPublication publication;
    private final AudioTrack nativeTrack;
    private final int defaultCapacity;
    private final NativeCounters counters;
    private final List<AudioFrameStream> streams = new ArrayList<>();
    private boolean ended;

    RemoteAudioTrack(String sid, String participantIdentity, TrackPublication publication, AudioTrack nativeTrack,
            int defaultCapacity, NativeCounters counters) {
        this.sid = Objects.requireNonNull(sid, "sid");
        this.participantIdentity = Objects.requireNonNull(participantIdentity, "participantIdentity");
        this.publication = Objects.requireNonNull(publication, "publication");
        this.nativeTrack = Objects.requireNonNull(nativeTrack, "nativeTrack");
        this.defaultCapacity = defaultCapacity;
        this.counters = counters;
    }

    /** The server's track id ({@code TR_...}). */
    public String sid() {
        return sid;
    }

    /** The identity of the participant who publishes it. */
    public String participantIdentity() {
        return participantIdentity;
    }

    /** The track as published (name, source) when it was subscribed. */
    public TrackPublication publication() {
        return publication;
    }

    /**
     * Opens a stream of this track's audio, buffering up to {@link RoomOptions#receiveBufferFrames()}
     * frames. On an ended track the stream is empty and already ended.
     */
    public AudioFrameStream openStream() {
        return openStream(defaultCapacity);
    }

    /** Opens a stream that buffers up to {@code capacityFrames} 10 ms frames. */
    public synchronized AudioFrameStream openStream(int capacityFrames) {
        if (capacityFrames < 1) {
            throw new IllegalArgumentException("capacityFrames must be at least 1, was " + capacityFrames);
        }
        AudioFrameStream stream = new AudioFrameStream(this, capacityFrames);
        if (ended) {
            stream.end();
            return stream;
        }
        nativeTrack.addSink(stream.sink());
        counters.audioSinks.incrementAndGet();
        streams.add(stream);
        return stream;
    }

    /** Whether the track has ended. */
    public synchronized boolean isEnded() {
        return ended;
    }

    /** Detaches one stream (its {@code close()}). */
    synchronized void detach(AudioFrameStream stream) {
        if (streams.remove(stream)) {
            removeSink(stream);
        }
        stream.end();
    }

    /** Ends the track: detaches every stream. Idempotent. Must run before the peer connection closes. */
    synchronized void end() {
        if (ended) {
            return;
        }
        ended = true;
        for (AudioFrameStream stream : streams) {
            removeSink(stream);
            stream.end();
        }
        streams.clear();
    }

    private void removeSink(AudioFrameStream stream) {
        try {
            nativeTrack.removeSink(stream.sink());
        } catch (Throwable t) {
            log.warn("Could not remove the sink of remote track {}: {}", sid, t.toString());
            counters.releaseFailures.incrementAndGet();
        } finally {
            counters.audioSinks.decrementAndGet();
        }
    }

    @Override
    public String toString() {
        return "RemoteAudioTrack[" + sid + " of " + participantIdentity + (isEnded() ? ", ended" : "") + "]";
    }
}
