package io.openrtc.voice.vad;

import io.openrtc.voice.audio.Utterance;
import java.time.Duration;
import java.time.Instant;

/** What voice activity detection reports about a stream of audio. */
public sealed interface VadEvent {

    /**
     * One 32 ms window was classified.
     *
     * @param probability     the smoothed speech probability
     * @param speaking        whether the stream is inside speech after this window
     * @param speechDuration  how long the current speech has lasted (zero outside speech)
     * @param silenceDuration how long the current silence has lasted (zero inside speech, while it
     *                        is not long enough to end it)
     * @param windowEnd       wall-clock time of the window's last sample
     */
    record Window(float probability, boolean speaking, Duration speechDuration, Duration silenceDuration, Instant windowEnd)
            implements VadEvent {
    }

    /**
     * Speech began (it has lasted the minimum speech duration).
     *
     * @param speechStart when its first window began
     */
    record SpeechStarted(Instant speechStart) implements VadEvent {
    }

    /**
     * Speech ended: the silence after it lasted the minimum silence duration.
     *
     * @param utterance the speech with its prefix padding and the silence that ended it
     */
    record SpeechEnded(Utterance utterance) implements VadEvent {
    }
}
