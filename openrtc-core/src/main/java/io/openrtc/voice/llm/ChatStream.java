package io.openrtc.voice.llm;

import java.time.Duration;

/** A language model's answer as it streams in. */
public interface ChatStream extends AutoCloseable {

    /**
     * The next piece.
     *
     * @return the piece, or {@code null} once the answer is complete
     * @throws java.util.concurrent.TimeoutException when nothing came within {@code timeout}
     * @throws Exception                             when the model failed
     */
    ChatDelta next(Duration timeout) throws Exception;

    /** Stops the answer (cancelling the request if it still runs). Idempotent. */
    @Override
    void close();
}
