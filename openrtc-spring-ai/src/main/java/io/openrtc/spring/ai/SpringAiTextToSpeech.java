package io.openrtc.spring.ai;

import io.openrtc.voice.audio.PcmStreamDecoder;
import io.openrtc.voice.tts.BufferedSpeechStream;
import io.openrtc.voice.tts.SpeechStream;
import io.openrtc.voice.tts.TextToSpeech;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.springframework.ai.audio.tts.TextToSpeechModel;
import org.springframework.ai.audio.tts.TextToSpeechOptions;
import org.springframework.ai.audio.tts.TextToSpeechPrompt;
import org.springframework.ai.audio.tts.TextToSpeechResponse;
import reactor.core.Disposable;

/**
 * Text-to-speech through a Spring AI {@link TextToSpeechModel}, streaming by default
 * ({@code StreamingTextToSpeechModel.stream}), so the first audio plays while the rest of the
 * sentence is still arriving. The audio must be uncompressed: a WAV file, or raw 16-bit PCM at
 * 24 kHz (OpenAI's {@code pcm}); the model's configured format is checked when the adapter is
 * made, so a model set to mp3 fails at startup, naming the setting, rather than at the first
 * word.
 */
public final class SpringAiTextToSpeech implements TextToSpeech {

    /** OpenAI's {@code pcm} format: 24 kHz mono 16-bit little-endian. */
    public static final int PCM_SAMPLE_RATE = 24_000;
    private static final Duration MAX_UNREAD_AUDIO = Duration.ofSeconds(60);

    private final TextToSpeechModel model;
    private final String name;
    private final boolean streaming;
    private final String format;

    /**
     * @param model     the Spring AI model
     * @param name      how logs and errors name it (the bean name, say)
     * @param streaming whether to use the model's streaming call (else one blocking call per sentence)
     * @throws IllegalArgumentException when the model is set to a compressed format
     */
    public SpringAiTextToSpeech(TextToSpeechModel model, String name, boolean streaming) {
        this.model = Objects.requireNonNull(model, "model");
        this.name = Objects.requireNonNull(name, "name");
        this.streaming = streaming;
        this.format = configuredFormat(model);
        if (!format.isEmpty() && !format.equals("wav") && !format.equals("wave") && !format.equals("pcm")) {
            throw new IllegalArgumentException("Text-to-speech model '" + name + "' is set to '" + format + "' audio, which "
                    + "OpenRTC cannot play: set it to wav or pcm (for OpenAI: "
                    + "spring.ai.openai.audio.speech.options.response-format=wav)");
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** The format the model is set to ({@code wav}, {@code pcm}), or empty when it does not say. */
    public String format() {
        return format;
    }

    @Override
    public SpeechStream synthesize(String text) {
        TextToSpeechPrompt prompt = new TextToSpeechPrompt(text);
        Disposable[] subscription = new Disposable[1];
        Thread[] caller = new Thread[1];
        BufferedSpeechStream stream = new BufferedSpeechStream(decoder(), MAX_UNREAD_AUDIO, () -> {
            if (subscription[0] != null) {
                subscription[0].dispose();
            }
            if (caller[0] != null) {
                caller[0].interrupt();
            }
        });
        if (streaming) {
            subscription[0] = model.stream(prompt).subscribe(
                    response -> stream.offer(bytes(response)),
                    error -> stream.fail(error instanceof Exception e ? e : new RuntimeException(error)),
                    stream::complete);
        } else {
            caller[0] = Thread.ofVirtual().name("openrtc-tts-" + name).start(() -> {
                try {
                    stream.offer(bytes(model.call(prompt)));
                    stream.complete();
                } catch (RuntimeException e) {
                    stream.fail(e);
                }
            });
        }
        return stream;
    }

    private PcmStreamDecoder decoder() {
        return switch (format) {
            case "wav", "wave" -> PcmStreamDecoder.wav();
            case "pcm" -> PcmStreamDecoder.raw(PCM_SAMPLE_RATE, 1);
            default -> PcmStreamDecoder.detect(PCM_SAMPLE_RATE, 1);
        };
    }

    private static byte[] bytes(TextToSpeechResponse response) {
        if (response == null || response.getResult() == null || response.getResult().getOutput() == null) {
            return new byte[0];
        }
        return response.getResult().getOutput();
    }

    private static String configuredFormat(TextToSpeechModel model) {
        TextToSpeechOptions options;
        try {
            options = model.getDefaultOptions();
        } catch (RuntimeException e) {
            return "";
        }
        String value = options == null ? null : options.getFormat();
        return value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "SpringAiTextToSpeech[" + name + (format.isEmpty() ? "" : ", " + format) + (streaming ? ", streaming" : "") + "]";
    }
}
