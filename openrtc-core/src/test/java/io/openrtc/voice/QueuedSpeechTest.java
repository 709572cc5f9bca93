package io.openrtc.voice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class QueuedSpeechTest {

    @Test
    void heardTextIsTheSentencesPlayedWholeAndTheWholeWordsOfThePlayingOne() {
        QueuedSpeech speech = new QueuedSpeech("unused", true, () -> { });
        speech.sentenceStarted("Your table is booked.", 100);
        speech.sentenceEnded(200);
        speech.sentenceStarted("We look forward to seeing you tonight.", 200);
        speech.sentenceEnded(400);
        assertThat(speech.heardAt(100)).isEmpty();
        assertThat(speech.heardAt(150)).isEqualTo("Your table");
        assertThat(speech.heardAt(200)).isEqualTo("Your table is booked.");
        assertThat(speech.heardAt(300)).isEqualTo("Your table is booked. We look forward to");
        assertThat(speech.heardAt(Long.MAX_VALUE)).isEqualTo("Your table is booked. We look forward to seeing you tonight.");
    }

    @Test
    void aSentenceStillBeingSynthesisedIsMeasuredAgainstTheAudioSoFar() {
        QueuedSpeech speech = new QueuedSpeech("unused", true, () -> { });
        speech.sentenceStarted("one two three four", 0);
        speech.produced(100);
        assertThat(speech.heardAt(50)).isEqualTo("one two");
    }

    @Test
    void interruptRunsTheStopOnceAndNotAfterTheEnd() {
        int[] stops = {0};
        QueuedSpeech speech = new QueuedSpeech("x", true, () -> stops[0]++);
        speech.interrupt();
        speech.interrupt();
        assertThat(stops[0]).isEqualTo(1);
        QueuedSpeech done = new QueuedSpeech("x", true, () -> stops[0]++);
        done.finish("x", Duration.ZERO, null);
        done.interrupt();
        assertThat(stops[0]).isEqualTo(1);
        assertThat(done.isDone()).isTrue();
        assertThat(done.isInterrupted()).isFalse();
    }
}
