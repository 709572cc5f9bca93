package io.openrtc.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WavTest {

    @Test
    void writesAndReadsBackTheSameAudio() {
        Wav tone = Wav.of(16_000, 1, Tones.sine(440, 16_000, 0, 1600));

        byte[] bytes = tone.toBytes();
        assertThat(bytes).hasSize(44 + 3200);
        Wav back = Wav.read(bytes);
        assertThat(back.sampleRate()).isEqualTo(16_000);
        assertThat(back.channels()).isEqualTo(1);
        assertThat(back.samples()).isEqualTo(tone.samples());
        assertThat(back.duration()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void readsAStreamedHeaderWithUnknownSizes() {
        byte[] bytes = Wav.of(22_050, 2, new short[] {1, 2, 3, 4, 5, 6}).toBytes();
        ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(4, 0xFFFFFFFF).putInt(40, 0xFFFFFFFF);

        Wav wav = Wav.read(bytes);
        assertThat(wav.frames()).isEqualTo(3);
        assertThat(wav.sample(2, 1)).isEqualTo((short) 6);
    }

    @Test
    void findsTheSpeechBoundariesAndPadsWithSilence() {
        Wav speech = Wav.silence(8000, 1, 250).append(Wav.of(8000, 1, Tones.sine(300, 8000, 0, 800)))
                .append(Wav.silence(8000, 1, 125));

        int first = speech.firstFrameAbove(1000);
        int last = speech.lastFrameAbove(1000);
        assertThat(speech.timeAt(first)).isBetween(Duration.ofMillis(250), Duration.ofMillis(252));
        assertThat(speech.timeAt(last)).isBetween(Duration.ofMillis(345), Duration.ofMillis(350));
        assertThat(speech.trimmed(1000).frames()).isEqualTo(last - first + 1);

        Wav padded = speech.trimmed(1000).padded(500, 200);
        assertThat(padded.timeAt(padded.firstFrameAbove(1000))).isEqualTo(Duration.ofMillis(500));
        assertThat(padded.frames()).isEqualTo(4000 + (last - first + 1) + 1600);
        assertThat(Wav.silence(8000, 1, 100).firstFrameAbove(0)).isEqualTo(-1);
    }

    @Test
    void rejectsWhatIsNot16BitPcm() {
        assertThatThrownBy(() -> Wav.read("ID3 this is an mp3".getBytes())).hasMessageContaining("not a RIFF/WAVE");
        byte[] eightBit = Wav.of(8000, 1, new short[4]).toBytes();
        ByteBuffer.wrap(eightBit).order(ByteOrder.LITTLE_ENDIAN).putShort(34, (short) 8);
        assertThatThrownBy(() -> Wav.read(eightBit)).hasMessageContaining("8-bit");
    }

    @Test
    void mixesDownToMono() {
        Wav stereo = Wav.of(8000, 2, new short[] {100, 300, -200, -400});
        assertThat(stereo.mono().samples()).containsExactly((short) 200, (short) -300);
    }
}
