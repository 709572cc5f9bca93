package io.openrtc.rtc;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * UTF-8 text for data streams: strict encoding (text with an unpaired surrogate is refused rather
 * than silently turned into {@code ?}) and splitting into chunks of at most a number of bytes
 * without cutting a code point, so that every chunk decodes on its own as LiveKit's receivers
 * expect.
 */
final class Utf8Chunks {

    private Utf8Chunks() {
    }

    /**
     * The UTF-8 bytes of {@code text}.
     *
     * @throws IllegalArgumentException when the text is not valid Unicode (an unpaired surrogate),
     *                                  naming {@code what} and the position
     */
    static byte[] encode(String text, String what) {
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            ByteBuffer encoded = encoder.encode(CharBuffer.wrap(text));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " is not valid Unicode: unpaired surrogate at index "
                    + firstUnpairedSurrogate(text));
        }
    }

    /**
     * Splits UTF-8 bytes into chunks of at most {@code maxBytes}, each ending on a code point
     * boundary. Empty input gives no chunks.
     */
    static List<byte[]> split(byte[] utf8, int maxBytes) {
        if (maxBytes < 4) {
            throw new IllegalArgumentException("maxBytes must be at least 4 (one code point), was " + maxBytes);
        }
        List<byte[]> chunks = new ArrayList<>();
        int start = 0;
        while (start < utf8.length) {
            int end = Math.min(start + maxBytes, utf8.length);
            if (end < utf8.length) {
                // Back off while the first byte after the cut is a continuation byte (10xxxxxx).
                while (end > start && (utf8[end] & 0xC0) == 0x80) {
                    end--;
                }
            }
            chunks.add(Arrays.copyOfRange(utf8, start, end));
            start = end;
        }
        return chunks;
    }

    /** Cuts a string to at most {@code maxBytes} of UTF-8, on a code point boundary (for RPC error messages). */
    static String truncate(String text, int maxBytes) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes) {
            return text;
        }
        return new String(split(bytes, maxBytes).get(0), StandardCharsets.UTF_8);
    }

    private static int firstUnpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return i;
            }
            if (Character.isLowSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }
}
