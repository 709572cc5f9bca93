package io.openrtc.rtc;

import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audio of one remote track as a blocking stream of 10 ms PCM frames (16-bit; the sample rate
 * and channel count are on each frame: 48 kHz mono for Opus voice).
 *
 * <p>Frames wait in a bounded ring buffer. A reader that falls behind loses the oldest frames, never
 * the newest, and {@link #droppedFrames()} counts them, so a slow consumer costs latency at most
 * the buffer's length and never memory. The stream ends when the track is unpublished, the room
 * closes, or {@link #close()} is called; frames still buffered stay readable after the end.
 *
 * <p>One reader at a time; not meant to be shared between threads that read concurrently.
 */
public final class AudioFrameStream implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AudioFrameStream.class);

    private final RemoteAudioTrack track;
    private final AudioFrame[] ring;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition available = lock.newCondition();
    private int head;
    private int count;
    private long received;
    private long dropped;
    private boolean ended;
    private final AudioTrackSink sink = this::onData;

    AudioFrameStream(RemoteAudioTrack track, int capacityFrames) {
        this.track = track;
        this.ring = new AudioFrame[capacityFrames];
    }

    /** The track this stream reads. */
    public RemoteAudioTrack track() {
        return track;
    }

    /**
     * The next frame, waiting as long as it takes.
     *
     * @return the frame, or {@code null} once the stream has ended and its buffer is empty
     */
    public AudioFrame read() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (count == 0 && !ended) {
                available.await();
            }
            return takeLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next frame, waiting at most {@code timeout}.
     *
     * @return the frame, or {@code null} when none came in time or the stream has ended (tell the
     *         two apart with {@link #isEnded()})
     */
    public AudioFrame read(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lockInterruptibly();
        try {
            while (count == 0 && !ended) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = available.awaitNanos(nanos);
            }
            return takeLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the stream has ended (no more frames will arrive; buffered ones may remain). */
    public boolean isEnded() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    /** Frames received from the track since the stream opened. */
    public long receivedFrames() {
        lock.lock();
        try {
            return received;
        } finally {
            lock.unlock();
        }
    }

    /** Frames dropped because the buffer was full (the oldest ones go first). */
    public long droppedFrames() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    /** Frames waiting to be read. */
    public int buffered() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    /** Stops receiving: detaches from the track and ends the stream. Idempotent. */
    @Override
    public void close() {
        track.detach(this);
    }

    AudioTrackSink sink() {
        return sink;
    }

    /** Marks the end; called by the track once the sink is detached. */
    void end() {
        lock.lock();
        try {
            ended = true;
            available.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private AudioFrame takeLocked() {
        if (count == 0) {
            return null;
        }
        AudioFrame frame = ring[head];
        ring[head] = null;
        head = (head + 1) % ring.length;
        count--;
        return frame;
    }

    /** Runs on the receiving factory's playout thread: copy, store, return; never block or throw. */
    private void onData(byte[] data, int bitsPerSample, int sampleRate, int channels, int frames) {
        try {
            if (bitsPerSample != 16 || channels < 1 || channels > 2) {
                return;
            }
            int values = Math.min(frames * channels, data.length / 2);
            short[] samples = new short[values];
            for (int i = 0; i < values; i++) {
                samples[i] = (short) ((data[2 * i] & 0xff) | (data[2 * i + 1] << 8));
            }
            AudioFrame frame = new AudioFrame(samples, sampleRate, channels, values / channels, System.currentTimeMillis());
            lock.lock();
            try {
                if (ended) {
                    return;
                }
                received++;
                if (count == ring.length) {
                    ring[head] = null;
                    head = (head + 1) % ring.length;
                    count--;
                    dropped++;
                }
                ring[(head + count) % ring.length] = frame;
                count++;
                available.signal();
            } finally {
                lock.unlock();
            }
        } catch (Throwable t) {
            // An exception escaping into the native thread would abort the JVM.
            log.warn("Dropped an audio frame of track {}: {}", track.sid(), t.toString());
        }
    }
}
