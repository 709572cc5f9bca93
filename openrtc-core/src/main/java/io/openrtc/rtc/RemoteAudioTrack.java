package io.openrtc.rtc;

import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

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
    private final Supplier<CompletableFuture<Optional<RTCStatsReport>>> statsSource;
    private boolean ended;

    RemoteAudioTrack(String sid, String participantIdentity, TrackPublication publication, AudioTrack nativeTrack,
            int defaultCapacity, NativeCounters counters) {
        this(sid, participantIdentity, publication, nativeTrack, defaultCapacity, counters,
                () -> CompletableFuture.completedFuture(Optional.empty()));
    }

    RemoteAudioTrack(String sid, String participantIdentity, TrackPublication publication, AudioTrack nativeTrack,
            int defaultCapacity, NativeCounters counters, Supplier<CompletableFuture<Optional<RTCStatsReport>>> statsSource) {
        this.sid = Objects.requireNonNull(sid, "sid");
        this.participantIdentity = Objects.requireNonNull(participantIdentity, "participantIdentity");
        this.publication = Objects.requireNonNull(publication, "publication");
        this.nativeTrack = Objects.requireNonNull(nativeTrack, "nativeTrack");
        this.defaultCapacity = defaultCapacity;
        this.counters = counters;
        this.statsSource = statsSource;
    }

    /**
     * What WebRTC has measured of this track so far: packets, loss, jitter, the jitter buffer's
     * delay and concealed samples. Completes within a second; with {@link AudioReceiveStats#NONE}
     * when the track has ended or WebRTC has nothing on it yet.
     */
    public CompletionStage<AudioReceiveStats> receiveStats() {
        if (isEnded()) {
            return CompletableFuture.completedFuture(AudioReceiveStats.NONE);
        }
        String id;
        try {
            id = nativeTrack.getId();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(AudioReceiveStats.NONE);
        }
        return statsSource.get().thenApply(report -> report.flatMap(r -> r.getStats().values().stream()
                        .filter(s -> s.getType() == RTCStatsType.INBOUND_RTP && "audio".equals(s.getAttributes().get("kind"))
                                && id.equals(s.getAttributes().get("trackIdentifier")))
                        .findFirst())
                .map(s -> AudioReceiveStats.of(s.getAttributes())).orElse(AudioReceiveStats.NONE));
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
