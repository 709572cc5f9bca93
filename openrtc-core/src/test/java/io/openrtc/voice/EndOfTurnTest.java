package io.openrtc.voice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EndOfTurnTest {

    @Test
    void finalPunctuationEndsATurnAndATrailingConjunctionDoesNot() {
        assertThat(EndOfTurn.looksComplete("I would like a table for two at seven tonight.")).isTrue();
        assertThat(EndOfTurn.looksComplete("Can I come at eight?")).isTrue();
        assertThat(EndOfTurn.looksComplete("I would like a table for two and")).isFalse();
        assertThat(EndOfTurn.looksComplete("I would like a table, um.")).isFalse();
        assertThat(EndOfTurn.looksComplete("I would like a table for two")).isFalse();
    }
}
