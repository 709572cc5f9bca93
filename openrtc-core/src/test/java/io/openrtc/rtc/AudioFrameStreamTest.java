package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The ring buffer behind a remote track's stream, fed the way the native sink feeds it. */
class AudioFrameStreamTest {

    @Test
    void aSlowReaderLosesTheOldestFramesAndTheyAreCounted() throws Exception {
        AudioFrameStream stream = new AudioFrameStream(null, 3);
        for (int i = 1; i <= 5; i++) {
            push(stream, (short) i);
        }
        assertThat(stream.receivedFrames()).isEqualTo(5);
        assertThat(stream.droppedFrames()).isEqualTo(2);
        assertThat(stream.buffered()).isEqualTo(3);
        AudioFrame first = stream.read(Duration.ofMillis(10));
        assertThat(first.samples()[0]).isEqualTo((short) 3);
        assertThat(first.sampleRate()).isEqualTo(48_000);
        assertThat(first.channels()).isEqualTo(1);
        assertThat(first.samplesPerChannel()).isEqualTo(480);
        assertThat(first.samples()[1]).as("little-endian decoding").isEqualTo((short) -2);
    }

    @Test
    void readTimesOutWhenEmptyAndReturnsNullAfterTheEndOnceDrained() throws Exception {
        AudioFrameStream stream = new AudioFrameStream(null, 4);
        assertThat(stream.read(Duration.ofMillis(20))).isNull();
        assertThat(stream.isEnded()).isFalse();
        push(stream, (short) 7);
        stream.end();
        push(stream, (short) 8); // after the end: ignored
        assertThat(stream.read().samples()[0]).isEqualTo((short) 7);
        assertThat(stream.read()).isNull();
        assertThat(stream.isEnded()).isTrue();
    }

    @Test
    void aBlockedReaderWakesUpWhenAFrameArrives() throws Exception {
        AudioFrameStream stream = new AudioFrameStream(null, 4);
        Thread feeder = Thread.ofVirtual().start(() -> push(stream, (short) 9));
        AudioFrame frame = stream.read(Duration.ofSeconds(5));
        feeder.join();
        assertThat(frame).isNotNull();
        assertThat(frame.samples()[0]).isEqualTo((short) 9);
    }

    /** One 10 ms 48 kHz mono frame whose first sample is {@code first} and second is -2. */
    private static void push(AudioFrameStream stream, short first) {
        byte[] pcm = new byte[960];
        pcm[0] = (byte) first;
        pcm[1] = (byte) (first >> 8);
        pcm[2] = (byte) 0xfe;
        pcm[3] = (byte) 0xff;
        stream.sink().onData(pcm, 16, 48_000, 1, 480);
    }
}
