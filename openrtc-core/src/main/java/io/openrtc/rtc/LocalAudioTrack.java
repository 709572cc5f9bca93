package io.openrtc.rtc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An audio track this room publishes (as a microphone). Write 16-bit PCM to it; the room's
 * runtime sends it out in real time.
 *
 * <p><b>Input.</b> Any sample rate from 8 to 192 kHz (8, 16, 22.05, 24, 44.1 and 48 kHz are the
 * usual ones), mono or interleaved stereo, in chunks of any length. Audio is converted to 48 kHz
 * mono (stereo is averaged, other rates go through WebRTC's resampler, {@link PcmResampler}) and
 * cut into 10 ms frames.
 *
 * <p><b>Pacing.</b> Frames wait in a queue of {@link RoomOptions#publishBuffer()} (200 ms by
 * default); a writer that is faster than real time blocks in {@code write} until there is room,
 * so it never floods the encoder. When the queue runs dry the track sends silence (or nothing,
 * see {@link RoomOptions#silenceOnUnderrun()}).
 *
 * <p>One writer thread at a time. Muting keeps the pacing (queued audio is discarded in real
 * time) and tells the room; unpublishing or the room's end make {@code write} throw
 * {@link RoomClosedException}.
 */
public final class LocalAudioTrack {

    private final LiveKitRoom room;
    private final String name;
    private final ArrayBlockingQueue<short[]> queue;
    private final PcmConverter converter = new PcmConverter();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ReentrantLock drainLock = new ReentrantLock();
    private final Condition drained = drainLock.newCondition();
    private final AtomicLong framesSent = new AtomicLong();
    private final AtomicLong underruns = new AtomicLong();
    private volatile String sid = "";
    private volatile boolean muted;
    private volatile CloseReason ended;

    LocalAudioTrack(LiveKitRoom room, String name, int queueFrames) {
        this.room = room;
        this.name = name;
        this.queue = new ArrayBlockingQueue<>(queueFrames);
    }

    /** The name it was published under. */
    public String name() {
        return name;
    }

    /** The server's track id ({@code TR_...}); a new one after the room had to rejoin. */
    public String sid() {
        return sid;
    }

    /**
     * Queues PCM audio, blocking while the queue is full.
     *
     * @param samples    16-bit samples; interleaved when {@code channels} is 2
     * @param sampleRate samples per second per channel, 8000 to 192000
     * @param channels   1 or 2
     * @throws RoomClosedException when the track was unpublished or the room closed
     */
    public void write(short[] samples, int sampleRate, int channels) throws InterruptedException {
        Objects.requireNonNull(samples, "samples");
        write(samples, 0, samples.length, sampleRate, channels);
    }

    /** Queues {@code length} values of {@code samples} from {@code offset}; see {@link #write(short[], int, int)}. */
    public void write(short[] samples, int offset, int length, int sampleRate, int channels) throws InterruptedException {
        Objects.checkFromIndexSize(offset, length, samples.length);
        checkOpen();
        writeLock.lockInterruptibly();
        try {
            List<short[]> frames = new ArrayList<>(length / PcmConverter.FRAME_SAMPLES + 1);
            converter.convert(samples, offset, length, sampleRate, channels, frames::add);
            for (short[] frame : frames) {
                enqueue(frame);
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Queues a frame's audio; see {@link #write(short[], int, int)}. */
    public void write(AudioFrame frame) throws InterruptedException {
        write(frame.samples(), frame.sampleRate(), frame.channels());
    }

    /** Sends a trailing partial frame (padded with silence) instead of keeping it for the next write. */
    public void flush() throws InterruptedException {
        checkOpen();
        writeLock.lockInterruptibly();
        try {
            List<short[]> frames = new ArrayList<>(1);
            converter.flush(frames::add);
            for (short[] frame : frames) {
                enqueue(frame);
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Drops everything queued and not yet sent (for example when the agent is interrupted).
     *
     * @return how many 10 ms frames were dropped
     */
    public int clear() {
        List<short[]> dropped = new ArrayList<>();
        queue.drainTo(dropped);
        signalIfDrained();
        return dropped.size();
    }

    /**
     * Takes everything queued and not yet sent, oldest first, so it can be written again later
     * (an agent pausing while the user speaks, then resuming where it stopped).
     */
    public List<short[]> takeQueued() {
        List<short[]> taken = new ArrayList<>();
        queue.drainTo(taken);
        signalIfDrained();
        return taken;
    }

    /** How much audio is queued and not yet sent. */
    public Duration queued() {
        return Duration.ofMillis(10L * queue.size());
    }

    /**
     * Waits until everything queued has been sent.
     *
     * @return true when the queue is empty, false when {@code timeout} passed first
     */
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        drainLock.lockInterruptibly();
        try {
            while (!queue.isEmpty() && ended == null) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = drained.awaitNanos(nanos);
            }
            return queue.isEmpty();
        } finally {
            drainLock.unlock();
        }
    }

    /** Mutes the track: tells the room, and sends nothing until {@link #unmute()}. */
    public void mute() {
        setMuted(true);
    }

    /** Unmutes the track. */
    public void unmute() {
        setMuted(false);
    }

    /** Whether the track is muted (by us, or by the server). */
    public boolean isMuted() {
        return muted;
    }

    /**
     * Stops publishing: the track is removed from the room and its native objects are released.
     * Idempotent; later writes throw {@link RoomClosedException}.
     */
    public void unpublish() throws InterruptedException {
        room.unpublish(this);
    }

    /** Whether the track is still published (not unpublished, room not closed). */
    public boolean isPublished() {
        return ended == null;
    }

    /** 10 ms frames of written audio sent so far. */
    public long framesSent() {
        return framesSent.get();
    }

    /** 10 ms ticks at which nothing was queued (silence or nothing was sent). */
    public long underruns() {
        return underruns.get();
    }

    @Override
    public String toString() {
        return "LocalAudioTrack[" + name + (sid.isEmpty() ? "" : ", " + sid) + (muted ? ", muted" : "")
                + (ended != null ? ", ended" : "") + "]";
    }

    private void setMuted(boolean value) {
        checkOpen();
        if (muted != value) {
            muted = value;
            room.sendMute(this, value);
        }
    }

    private void enqueue(short[] frame) throws InterruptedException {
        // Bounded waits so that a writer blocked on a full queue notices the end of the track.
        while (!queue.offer(frame, 20, TimeUnit.MILLISECONDS)) {
            checkOpen();
        }
    }

    private void checkOpen() {
        CloseReason reason = ended;
        if (reason != null) {
            throw new RoomClosedException("audio track '" + name + "' is no longer published", reason);
        }
    }

    // ---- called by the room and the pacer ----

    /** The next frame to send, or null (underrun). Called by the pacer thread. */
    short[] pull() {
        short[] frame = queue.poll();
        if (frame == null) {
            underruns.incrementAndGet();
            signalIfDrained();
        } else {
            framesSent.incrementAndGet();
            if (queue.isEmpty()) {
                signalIfDrained();
            }
        }
        return frame;
    }

    void published(String trackSid) {
        this.sid = trackSid;
    }

    void mutedByServer(boolean value) {
        this.muted = value;
    }

    void ended(CloseReason reason) {
        if (ended == null) {
            ended = reason;
        }
        queue.clear();
        signalIfDrained();
        // A writer blocked on the queue notices the end within 20 ms and lets go of the lock; the
        // native resampler must not be released under its feet. A writer that keeps the lock
        // longer leaves the release to the resampler's cleaner.
        boolean locked = false;
        try {
            locked = writeLock.tryLock(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (locked) {
            try {
                converter.reset();
                converter.close();
            } finally {
                writeLock.unlock();
            }
        }
    }

    private void signalIfDrained() {
        drainLock.lock();
        try {
            drained.signalAll();
        } finally {
            drainLock.unlock();
        }
    }
}
