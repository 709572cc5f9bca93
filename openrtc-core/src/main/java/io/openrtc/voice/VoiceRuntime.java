package io.openrtc.voice;

import io.openrtc.voice.vad.SileroModel;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every voice session of a JVM shares: the Silero VAD model (loaded once) and one timer
 * thread for endpointing delays. Created by the pool's prewarm, in each JVM that runs sessions
 * (every child JVM in process isolation), and closed with it.
 */
public final class VoiceRuntime implements AutoCloseable {

    private final SileroModel vadModel;
    private final ScheduledExecutorService timers;

    private VoiceRuntime(SileroModel vadModel) {
        this.vadModel = vadModel;
        this.timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("openrtc-voice-timers").daemon(true).factory());
    }

    /** Loads the VAD model (about 100 ms) and starts the timer thread. */
    public static VoiceRuntime create() {
        return new VoiceRuntime(SileroModel.load());
    }

    /** The shared VAD model. */
    public SileroModel vadModel() {
        return vadModel;
    }

    /** The shared timer thread; tasks must be short and never block. */
    public ScheduledExecutorService timers() {
        return timers;
    }

    @Override
    public void close() {
        timers.shutdownNow();
        vadModel.close();
    }
}
