package io.openrtc.voice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class InterruptionOptionsTest {

    private final InterruptionOptions.Profile profile = InterruptionOptions.Profile.DEFAULT;

    @Test
    void fillerWordsAndTheHumsSpeechToTextSpellsAreNoWords() {
        assertThat(profile.meaningfulWords("Mm-hmm.")).isZero();
        assertThat(profile.meaningfulWords("Mm-mm.")).isZero();
        assertThat(profile.meaningfulWords("Um, um, um.")).isZero();
        assertThat(profile.meaningfulWords("Uhh... hmmm, mmhmm")).isZero();
        // Whisper writes a spoken "uh-huh, uh-huh" as "aha aha" as often as not.
        assertThat(profile.meaningfulWords("Aha, aha.")).isZero();
        assertThat(profile.meaningfulWords("Uh-huh, okay")).isEqualTo(1);
        assertThat(profile.meaningfulWords("My mum said hum")).isEqualTo(4);
        assertThat(profile.meaningfulWords("Stop, stop, please.")).isEqualTo(3);
    }

    @Test
    void wordsInterruptOnlyWhenThereAreEnoughOfThem() {
        InterruptionOptions.Profile twoWords = new InterruptionOptions.Profile(Duration.ZERO, 2, InterruptionOptions.ENGLISH_FILLERS);
        assertThat(twoWords.interrupts("Stop")).isFalse();
        assertThat(twoWords.interrupts("Stop, um, now")).isTrue();
        assertThat(profile.interrupts("Wait")).isTrue();
        assertThat(profile.interrupts("Hmm")).isFalse();
    }

    @Test
    void withoutFillerWordsEveryWordCounts() {
        InterruptionOptions.Profile none = new InterruptionOptions.Profile(Duration.ZERO, 0, List.of());
        assertThat(none.meaningfulWords("Mm-hmm, um")).isEqualTo(2);
    }

    @Test
    void badThresholdsAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new InterruptionOptions.Profile(Duration.ofMillis(-1), 0, List.of()))
                .hasMessageContaining("min-duration");
        assertThatThrownBy(() -> new InterruptionOptions.Profile(Duration.ZERO, -1, List.of())).hasMessageContaining("min-words");
        assertThatThrownBy(() -> new InterruptionOptions(true, InterruptionOptions.Profile.DEFAULT,
                InterruptionOptions.Profile.DEFAULT, Duration.ZERO, true)).hasMessageContaining("false-interruption-timeout");
    }
}
