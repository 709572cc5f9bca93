package io.openrtc.rtc;

import io.openrtc.test.Tones;
import java.util.concurrent.atomic.AtomicReference;

/** Writes a sine tone to a published track from a virtual thread until stopped (the track paces it). */
final class ToneWriter implements AutoCloseable {

    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    ToneWriter(LocalAudioTrack track, double hz, int sampleRate) {
        thread = Thread.ofVirtual().name("tone-" + track.name()).start(() -> {
            long position = 0;
            int chunk = sampleRate / 50; // 20 ms chunks: the converter cuts them into 10 ms frames
            try {
                while (!Thread.currentThread().isInterrupted() && track.isPublished()) {
                    track.write(Tones.sine(hz, sampleRate, position, chunk), sampleRate, 1);
                    position += chunk;
                }
            } catch (InterruptedException e) {
                // stopped
            } catch (RoomClosedException e) {
                // the track ended
            } catch (Throwable t) {
                failure.set(t);
            }
        });
    }

    Throwable failure() {
        return failure.get();
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
