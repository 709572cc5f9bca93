package io.openrtc.rtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native side of one published {@link LocalAudioTrack} on one connection: a
 * {@code CustomAudioSource}, the webrtc {@code AudioTrack} on it (its id is the {@code cid} the
 * server matches against the SDP), and the RTP sender once attached. The pacer calls
 * {@link #tick()} every 10 ms.
 *
 * <p>The source's sink list is not locked natively, so a push must never overlap removing or
 * disposing the track: every push and {@link #stopPushing()} hold {@code pushLock}.
 */
final class AudioSender implements AudioPacer.Paced {

    private static final Logger log = LoggerFactory.getLogger(AudioSender.class);
    private static final short[] SILENCE = new short[PcmConverter.FRAME_SAMPLES];

    private final LocalAudioTrack track;
    private final String cid;
    private final CustomAudioSource source;
    private final AudioTrack nativeTrack;
    private final NativeCounters counters;
    private final boolean silenceOnUnderrun;
    private final byte[] bytes = new byte[PcmConverter.FRAME_SAMPLES * 2];
    private final Object pushLock = new Object();
    private RTCRtpSender rtpSender;
    private boolean pushing;
    private boolean disposed;

    private AudioSender(LocalAudioTrack track, String cid, CustomAudioSource source, AudioTrack nativeTrack,
            NativeCounters counters, boolean silenceOnUnderrun) {
        this.track = track;
        this.cid = cid;
        this.source = source;
        this.nativeTrack = nativeTrack;
        this.counters = counters;
        this.silenceOnUnderrun = silenceOnUnderrun;
    }

    /** Creates the source and track on the sending factory (whose device module never records). */
    static AudioSender create(PeerConnectionFactory sendingFactory, LocalAudioTrack track, String cid,
            NativeCounters counters, boolean silenceOnUnderrun) {
        CustomAudioSource source = new CustomAudioSource();
        counters.audioSources.incrementAndGet();
        AudioTrack nativeTrack;
        try {
            nativeTrack = sendingFactory.createAudioTrack(cid, source);
        } catch (RuntimeException | Error e) {
            disposeSource(source, counters);
            throw e;
        }
        counters.localTracks.incrementAndGet();
        return new AudioSender(track, cid, source, nativeTrack, counters, silenceOnUnderrun);
    }

    String cid() {
        return cid;
    }

    LocalAudioTrack track() {
        return track;
    }

    AudioTrack nativeTrack() {
        return nativeTrack;
    }

    RTCRtpSender rtpSender() {
        return rtpSender;
    }

    /** The track is on the peer connection: start pushing. */
    void attached(RTCRtpSender sender) {
        synchronized (pushLock) {
            this.rtpSender = sender;
            this.pushing = !disposed;
        }
    }

    /** After this returns no push is in flight and none will start. */
    void stopPushing() {
        synchronized (pushLock) {
            pushing = false;
        }
    }

    @Override
    public void tick() {
        short[] frame = track.pull();
        if (track.isMuted()) {
            return;
        }
        if (frame == null) {
            if (!silenceOnUnderrun) {
                return;
            }
            frame = SILENCE;
        }
        synchronized (pushLock) {
            if (!pushing) {
                return;
            }
            for (int i = 0; i < frame.length; i++) {
                bytes[2 * i] = (byte) frame[i];
                bytes[2 * i + 1] = (byte) (frame[i] >> 8);
            }
            source.pushAudio(bytes, 16, PcmConverter.OUTPUT_RATE, 1, PcmConverter.FRAME_SAMPLES);
        }
    }

    /**
     * Releases the track and the source. Call after the track left the peer connection (removed,
     * or the connection closed); idempotent.
     */
    void dispose() {
        synchronized (pushLock) {
            pushing = false;
            if (disposed) {
                return;
            }
            disposed = true;
        }
        try {
            nativeTrack.dispose();
        } catch (Throwable t) {
            // webrtc-java throws when something native still holds the track; the count shows it.
            log.warn("Local audio track {} was not released: {}", cid, t.toString());
            counters.releaseFailures.incrementAndGet();
        } finally {
            counters.localTracks.decrementAndGet();
        }
        disposeSource(source, counters);
    }

    private static void disposeSource(CustomAudioSource source, NativeCounters counters) {
        try {
            source.dispose();
        } catch (Throwable t) {
            log.warn("Audio source was not released: {}", t.toString());
            counters.releaseFailures.incrementAndGet();
        } finally {
            counters.audioSources.decrementAndGet();
        }
    }
}
