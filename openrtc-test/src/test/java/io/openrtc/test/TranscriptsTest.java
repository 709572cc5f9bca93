package io.openrtc.test;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TranscriptsTest {

    @Test
    void normalizesCasePunctuationAndNumbers() {
        assertThat(Transcripts.words("Please book a table for 2 at 7:00 tonight."))
                .containsExactly("please", "book", "a", "table", "for", "two", "at", "seven", "tonight");
        assertThat(Transcripts.words("It's 21, well-known!")).containsExactly("it's", "twenty", "one", "well", "known");
    }

    @Test
    void countsWordErrors() {
        String said = "Please book a table for two at seven tonight.";
        assertThat(Transcripts.wordErrors(said, "please book a table for 2 at 7 tonight")).isZero();
        assertThat(Transcripts.wordErrors(said, "Please book the table for two at seven tonight")).isEqualTo(1);
        assertThat(Transcripts.wordErrors(said, "Please book a table for two tonight")).isEqualTo(2);
        assertThat(Transcripts.wordErrors(said, "")).isEqualTo(9);
    }
}
