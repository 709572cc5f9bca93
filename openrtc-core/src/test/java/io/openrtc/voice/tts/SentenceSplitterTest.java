package io.openrtc.voice.tts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentenceSplitterTest {

    @Test
    void cutsAtSentenceEndsAndJoinsShortSentencesToTheNext() {
        assertThat(SentenceSplitter.split("Hi. Welcome to reservations. How many guests will there be, and when?"))
                .containsExactly("Hi. Welcome to reservations.", "How many guests will there be, and when?");
    }

    @Test
    void doesNotCutAfterAbbreviationsInitialsOrInsideNumbers() {
        assertThat(SentenceSplitter.split("Dr. Smith sees patients at 3.30 pm on weekdays. J. Doe covers e.g. Saturdays, too."))
                .containsExactly("Dr. Smith sees patients at 3.30 pm on weekdays.", "J. Doe covers e.g. Saturdays, too.");
    }

    @Test
    void keepsClosingQuotesAndRepeatedMarksWithTheirSentence() {
        assertThat(SentenceSplitter.split("She said \"that is all for today.\" Really?! I thought there was more..."))
                .containsExactly("She said \"that is all for today.\"", "Really?! I thought there was more...");
    }

    @Test
    void streamedTokensGiveTheSameSentencesAsSoonAsTheyEnd() {
        SentenceSplitter splitter = new SentenceSplitter();
        List<String> out = new ArrayList<>();
        String text = "Your table for two is booked at seven. We look forward to seeing you tonight.";
        List<Integer> completedAt = new ArrayList<>();
        for (int i = 0; i < text.length(); i += 3) {
            List<String> done = splitter.push(text.substring(i, Math.min(text.length(), i + 3)));
            if (!done.isEmpty()) {
                completedAt.add(i);
            }
            out.addAll(done);
        }
        splitter.finish().ifPresent(out::add);
        assertThat(out).containsExactly("Your table for two is booked at seven.", "We look forward to seeing you tonight.");
        // The first sentence was released as soon as the space after it arrived, long before the end.
        assertThat(completedAt.getFirst()).isLessThan(45);
    }

    @Test
    void cutsALongRunWithoutEndingAtItsLastComma() {
        String run = "we have tables on the terrace, by the window, near the bar and in the back room " + "x".repeat(250);
        List<String> out = new SentenceSplitter(20, 120).push(run);
        assertThat(out).isNotEmpty();
        assertThat(out.getFirst()).isEqualTo("we have tables on the terrace, by the window,");
    }

    @Test
    void aLineBreakEndsASentence() {
        assertThat(SentenceSplitter.split("First item on the menu\nSecond item on the menu")).containsExactly(
                "First item on the menu", "Second item on the menu");
    }
}
