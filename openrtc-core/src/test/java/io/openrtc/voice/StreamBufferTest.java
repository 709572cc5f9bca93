package io.openrtc.voice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StreamBufferTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void piecesComeInOrderThenTheEnd() throws Exception {
        StreamBuffer<String> buffer = new StreamBuffer<>(false, () -> { });
        Thread.ofVirtual().start(() -> {
            buffer.offer("a");
            buffer.offer("b");
            buffer.complete();
        });
        assertThat(buffer.next(WAIT, "answer")).isEqualTo("a");
        assertThat(buffer.next(WAIT, "answer")).isEqualTo("b");
        assertThat(buffer.next(WAIT, "answer")).isNull();
        assertThat(buffer.offer("late")).isFalse();
    }

    @Test
    void aFailureComesAfterTheTextOrBeforeTheAudio() throws Exception {
        StreamBuffer<String> text = new StreamBuffer<>(false, () -> { });
        text.offer("kept");
        text.fail(new IllegalStateException("model down"));
        assertThat(text.next(WAIT, "answer")).isEqualTo("kept");
        assertThatThrownBy(() -> text.next(WAIT, "answer")).hasMessage("model down");

        StreamBuffer<String> audio = new StreamBuffer<>(true, () -> { });
        audio.offer("dropped");
        audio.fail(new IllegalStateException("tts down"));
        assertThatThrownBy(() -> audio.next(WAIT, "audio")).hasMessage("tts down");
    }

    @Test
    void closingBeforeTheEndCancelsTheRequestOnceAndATimeoutNamesWhatWasAwaited() throws Exception {
        AtomicInteger cancelled = new AtomicInteger();
        StreamBuffer<String> buffer = new StreamBuffer<>(true, cancelled::incrementAndGet);
        assertThatThrownBy(() -> buffer.next(Duration.ofMillis(20), "audio")).isInstanceOf(TimeoutException.class)
                .hasMessage("no audio within 20 ms");
        buffer.close();
        buffer.close();
        assertThat(cancelled).hasValue(1);
        assertThat(buffer.next(WAIT, "audio")).isNull();

        StreamBuffer<String> finished = new StreamBuffer<>(true, cancelled::incrementAndGet);
        finished.complete();
        finished.close();
        assertThat(cancelled).hasValue(1);
    }
}
