package io.openrtc.bench;

import io.openrtc.rtc.AudioFrame;
import io.openrtc.rtc.AudioFrameStream;
import io.openrtc.rtc.RemoteAudioTrack;
import io.openrtc.rtc.Room;
import java.time.Duration;
import java.util.Optional;

/**
 * Reads every frame of the callers' audio in a room, on its own virtual thread, and keeps what
 * proves it was really decoded: how many frames arrived and over how long, their level and their
 * pitch (zero crossings). Follows the caller if it republishes; stops when interrupted or the room
 * closes.
 */
final class CallerAudio implements Runnable {

    private final Room room;

    // Written by the reading thread only; read after join().
    private long frames;
    private long dropped;
    private long firstNanos;
    private long lastNanos;
    private long samples;
    private double sumOfSquares;
    private long zeroCrossings;
    private short previous;
    private int tracks;
    private int lastRate = ToneSamples.SAMPLE_RATE;

    CallerAudio(Room room) {
        this.room = room;
    }

    @Override
    public void run() {
        try {
            while (!room.isClosed()) {
                Optional<RemoteAudioTrack> track = room.awaitAudioTrack(t -> !t.isEnded(), Duration.ofSeconds(5));
                if (track.isEmpty()) {
                    continue;
                }
                tracks++;
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
        }
    }

    /** Counts one frame (package-private for the test). */
    void count(AudioFrame frame) {
        long now = System.nanoTime();
        if (frames == 0) {
            firstNanos = now;
        }
        lastNanos = now;
        frames++;
        short[] values = frame.samples();
        int step = frame.channels();
        for (int i = 0; i < values.length; i += step) {
            short value = values[i];
            sumOfSquares += (double) value * value;
            if ((value >= 0) != (previous >= 0)) {
                zeroCrossings++;
            }
            previous = value;
        }
        samples += values.length / step;
        lastRate = frame.sampleRate();
    }

    long frames() {
        return frames;
    }

    long dropped() {
        return dropped;
    }

    int tracks() {
        return tracks;
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

    /** Root mean square level in 16-bit units. */
    double rms() {
        return samples == 0 ? 0 : Math.sqrt(sumOfSquares / samples);
    }

    /** The pitch from zero crossings (two per period), in Hz. */
    double pitchHz() {
        return samples == 0 ? 0 : zeroCrossings / 2.0 * lastRate / samples;
    }
}
