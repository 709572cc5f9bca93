package io.openrtc.voice.llm;

import io.openrtc.voice.StreamBuffer;
import java.time.Duration;

/**
 * A {@link ChatStream} that a model adapter fills from its own thread or callbacks (a reactive
 * stream's subscriber, say), and that tells the adapter when the reader gave up so the request can
 * be cancelled. Text that came before a failure is still read.
 */
public final class BufferedChatStream implements ChatStream {

    private final StreamBuffer<ChatDelta> buffer;

    /** @param onClose cancels the model's request; runs once, when the reader closes before the end */
    public BufferedChatStream(Runnable onClose) {
        this.buffer = new StreamBuffer<>(false, onClose);
    }

    /** The model's next piece. Ignored once the stream is closed, complete or failed. */
    public void offer(ChatDelta delta) {
        buffer.offer(delta);
    }

    /** The model finished. */
    public void complete() {
        buffer.complete();
    }

    /** The model failed. */
    public void fail(Exception error) {
        buffer.fail(error);
    }

    @Override
    public ChatDelta next(Duration timeout) throws Exception {
        return buffer.next(timeout, "answer");
    }

    @Override
    public void close() {
        buffer.close();
    }
}
