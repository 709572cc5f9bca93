package io.openrtc.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a running local speech server (OpenAI-compatible speech-to-text and
 * text-to-speech, offline).
 *
 * <p>The server is started once per test class on a free loopback port and injected as a
 * {@link SpeechServer} parameter into constructors, lifecycle methods and test methods. It is
 * installed first if its Python environment is missing ({@code scripts/speech-server.sh
 * install}); when that fails, the test fails with a message naming the command. It is never
 * skipped.
 *
 * <pre>{@code
 * @SpeechServerTest
 * class VoiceTest {
 *     @Test
 *     void hearsWhatItSays(SpeechServer speech) {
 *         byte[] wav = speech.synthesize("Please book a table for two at seven tonight.");
 *         assertThat(Transcripts.wordErrors("Please book a table for two at seven tonight.",
 *                 speech.transcribe(wav))).isLessThanOrEqualTo(1);
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(SpeechServerExtension.class)
public @interface SpeechServerTest {
}
