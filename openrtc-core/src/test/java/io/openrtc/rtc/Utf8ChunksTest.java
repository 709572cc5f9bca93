package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class Utf8ChunksTest {

    @Test
    void asciiIsCutAtTheLimit() {
        byte[] text = "a".repeat(35_000).getBytes(StandardCharsets.UTF_8);
        List<byte[]> chunks = Utf8Chunks.split(text, 15_000);
        assertThat(chunks).extracting(c -> c.length).containsExactly(15_000, 15_000, 5_000);
    }

    @Test
    void multiByteCodePointsAreNeverCutAndEveryChunkDecodesOnItsOwn() throws CharacterCodingException {
        // 2-, 3- and 4-byte sequences at every possible offset relative to the cut.
        String text = "ü€🎉a".repeat(5_000);
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        for (int limit : new int[] {4, 5, 6, 7, 15_000}) {
            List<byte[]> chunks = Utf8Chunks.split(utf8, limit);
            StringBuilder joined = new StringBuilder();
            for (byte[] chunk : chunks) {
                assertThat(chunk.length).isBetween(1, limit);
                joined.append(strictDecode(chunk)); // throws if a code point was cut
            }
            assertThat(joined.toString()).isEqualTo(text);
        }
    }

    @Test
    void emptyTextGivesNoChunks() {
        assertThat(Utf8Chunks.split(new byte[0], 15_000)).isEmpty();
    }

    @Test
    void anUnpairedSurrogateIsRefusedNotReplaced() {
        assertThatThrownBy(() -> Utf8Chunks.encode("ok \uD83D then", "the text"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the text is not valid Unicode")
                .hasMessageContaining("index 3");
        assertThat(Utf8Chunks.encode("ok 🎉", "the text")).hasSize(7);
    }

    @Test
    void truncateKeepsWholeCodePoints() {
        assertThat(Utf8Chunks.truncate("ab€", 4)).isEqualTo("ab");
        assertThat(Utf8Chunks.truncate("ab€", 5)).isEqualTo("ab€");
        assertThat(Utf8Chunks.truncate("short", 256)).isEqualTo("short");
    }

    private static String strictDecode(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    }
}
