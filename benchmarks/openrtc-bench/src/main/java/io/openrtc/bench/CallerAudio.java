package io.openrtc.bench;

import io.openrtc.rtc.AudioFrame;
import io.openrtc.rtc.AudioFrameStream;
import io.openrtc.rtc.AudioReceiveStats;
import io.openrtc.rtc.RemoteAudioTrack;
import io.openrtc.rtc.Room;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads every frame of the callers' audio in a room, on its own virtual thread, and keeps what
 * proves it was really decoded: how many frames arrived and over how long, their level and their
 * pitch (zero crossings), over the whole session and over the benchmark's measuring window
 * ({@link MeasureWindow}) apart. At the window's start and end it also asks WebRTC what it
 * measured of the track ({@link RemoteAudioTrack#receiveStats()}: packets received and lost,
 * samples received and concealed, the jitter buffer's delay), so a low pitch or level can be told
 * apart: concealed samples are audio that never arrived (or arrived too late), a low pitch with
 * nothing concealed is the measurement. Follows the caller if it republishes; stops when
 * interrupted or the room closes.
 */
final class CallerAudio implements Runnable {

    private final Room room;
    private final MeasureWindow window;
    private final Tally whole = new Tally();
    private final Tally inWindow = new Tally();

    // Written by the reading thread only; read after join().
    private long dropped;
    private int tracks;

    private volatile RemoteAudioTrack current;
    private volatile CompletableFuture<AudioReceiveStats> statsAtStart;
    private volatile CompletableFuture<AudioReceiveStats> statsAtEnd;
    private volatile boolean trackAtStart;
    private final java.util.function.Consumer<MeasureWindow.Phase> onWindow = this::onWindow;

    CallerAudio(Room room) {
        this(room, MeasureWindow.NONE);
    }

    CallerAudio(Room room, MeasureWindow window) {
        this.room = room;
        this.window = window;
    }

    @Override
    public void run() {
        window.addListener(onWindow);
        try {
            while (!room.isClosed()) {
                Optional<RemoteAudioTrack> track = room.awaitAudioTrack(t -> !t.isEnded(), Duration.ofSeconds(5));
                if (track.isEmpty()) {
                    continue;
                }
                tracks++;
                current = track.get();
                try (AudioFrameStream stream = track.get().openStream()) {
                    AudioFrame frame;
                    while ((frame = stream.read()) != null) {
                        count(frame);
                    }
                    dropped += stream.droppedFrames();
                }
            }
        } catch (InterruptedException e) {
            // the session is ending
        } finally {
            window.removeListener(onWindow);
        }
    }

    /** On the window's watcher thread: WebRTC's figures of the track at the window's edges. */
    private void onWindow(MeasureWindow.Phase phase) {
        RemoteAudioTrack track = current;
        CompletableFuture<AudioReceiveStats> stats = track == null
                ? CompletableFuture.completedFuture(AudioReceiveStats.NONE)
                : track.receiveStats().toCompletableFuture();
        if (phase == MeasureWindow.Phase.OPEN) {
            trackAtStart = track != null;
            statsAtStart = stats;
        } else if (phase == MeasureWindow.Phase.CLOSED) {
            statsAtEnd = stats;
        }
    }

    /** Counts one frame (package-private for the test). */
    void count(AudioFrame frame) {
        long now = System.nanoTime();
        whole.count(frame, now);
        if (window.isOpen()) {
            inWindow.count(frame, now);
        }
    }

    Tally whole() {
        return whole;
    }

    Tally window() {
        return inWindow;
    }

    MeasureWindow measureWindow() {
        return window;
    }

    long frames() {
        return whole.frames;
    }

    long dropped() {
        return dropped;
    }

    int tracks() {
        return tracks;
    }

    double seconds() {
        return whole.seconds();
    }

    double framesPerSecond() {
        return whole.framesPerSecond();
    }

    double rms() {
        return whole.rms();
    }

    double pitchHz() {
        return whole.pitchHz();
    }

    /** Whether the caller's track was there when the window opened. */
    boolean trackAtWindowStart() {
        return trackAtStart;
    }

    /** WebRTC's figures at the window's start, or empty when the window never opened or they did not come. */
    Optional<AudioReceiveStats> statsAtWindowStart() {
        return await(statsAtStart);
    }

    /** WebRTC's figures at the window's end, or empty. */
    Optional<AudioReceiveStats> statsAtWindowEnd() {
        return await(statsAtEnd);
    }

    private static Optional<AudioReceiveStats> await(CompletableFuture<AudioReceiveStats> stats) {
        if (stats == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(stats.get(2, TimeUnit.SECONDS));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** Frames, level, pitch and the largest gap between frames, over some span of the session. */
    static final class Tally {
        private long frames;
        private long firstNanos;
        private long lastNanos;
        private long maxGapNanos;
        private long samples;
        private double sumOfSquares;
        private long zeroCrossings;
        private short previous;
        private long silentFrames;
        private int lastRate = ToneSamples.SAMPLE_RATE;

        void count(AudioFrame frame, long now) {
            if (frames == 0) {
                firstNanos = now;
            } else {
                maxGapNanos = Math.max(maxGapNanos, now - lastNanos);
            }
            lastNanos = now;
            frames++;
            short[] values = frame.samples();
            int step = frame.channels();
            boolean silent = true;
            for (int i = 0; i < values.length; i += step) {
                short value = values[i];
                sumOfSquares += (double) value * value;
                if ((value >= 0) != (previous >= 0)) {
                    zeroCrossings++;
                }
                if (value != 0) {
                    silent = false;
                }
                previous = value;
            }
            if (silent) {
                silentFrames++;
            }
            samples += values.length / step;
            lastRate = frame.sampleRate();
        }

        long frames() {
            return frames;
        }

        /** Frames whose every sample is 0 (what WebRTC plays out when it has nothing to conceal with). */
        long silentFrames() {
            return silentFrames;
        }

        /** Seconds from the first frame to the last. */
        double seconds() {
            return frames < 2 ? 0 : (lastNanos - firstNanos) / 1e9;
        }

        /** Frames per second between the first and the last frame (100 for a perfect 10 ms stream). */
        double framesPerSecond() {
            double seconds = seconds();
            return seconds <= 0 ? 0 : (frames - 1) / seconds;
        }

        /** The largest time between two frames, in ms. */
        double maxGapMillis() {
            return maxGapNanos / 1e6;
        }

        /** Root mean square level in 16-bit units. */
        double rms() {
            return samples == 0 ? 0 : Math.sqrt(sumOfSquares / samples);
        }

        /** The pitch from zero crossings (two per period), in Hz. */
        double pitchHz() {
            return samples == 0 ? 0 : zeroCrossings / 2.0 * lastRate / samples;
        }
    }
}
