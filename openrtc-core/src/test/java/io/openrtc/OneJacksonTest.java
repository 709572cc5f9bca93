package io.openrtc;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.pool.SessionPool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: openrtc-core uses Jackson 3 ({@code tools.jackson}, Spring Boot 4's), so it forces no
 * second Jackson on an application. No compiled class of the core refers to Jackson 2's databind
 * or core packages (its annotations, {@code com.fasterxml.jackson.annotation}, are shared by both).
 */
class OneJacksonTest {

    @Test
    void noCoreClassUsesJackson2() throws Exception {
        Path classes = Path.of(SessionPool.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Path> users;
        try (Stream<Path> files = Files.walk(classes)) {
            users = files.filter(f -> f.toString().endsWith(".class")).filter(OneJacksonTest::refersToJackson2).toList();
        }
        assertThat(users).as("classes of openrtc-core that use Jackson 2").isEmpty();
        try (Stream<Path> files = Files.walk(classes)) {
            assertThat(files.filter(f -> f.toString().endsWith(".class")).anyMatch(OneJacksonTest::refersToJackson3))
                    .as("some class uses Jackson 3 (else this test proves nothing)").isTrue();
        }
    }

    private static boolean refersToJackson2(Path file) {
        String text = read(file);
        return text.contains("com/fasterxml/jackson/databind") || text.contains("com/fasterxml/jackson/core");
    }

    private static boolean refersToJackson3(Path file) {
        return read(file).contains("tools/jackson/databind");
    }

    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
