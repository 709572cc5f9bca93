package io.openrtc.voice.tts;

import io.openrtc.voice.audio.PcmAudio;
import java.time.Duration;

/** The audio of one synthesis, read as it arrives. */
public interface SpeechStream extends AutoCloseable {

    /**
     * The next piece of audio.
     *
     * @return the audio (any rate, mono or stereo), or {@code null} once the speech is complete
     * @throws java.util.concurrent.TimeoutException when nothing came within {@code timeout}
     * @throws Exception                             when the provider failed
     */
    PcmAudio read(Duration timeout) throws Exception;

    /** Stops reading and cancels the synthesis if it is still running. Idempotent. */
    @Override
    void close();
}
