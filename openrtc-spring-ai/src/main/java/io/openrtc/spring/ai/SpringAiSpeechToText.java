package io.openrtc.spring.ai;

import io.openrtc.voice.audio.Utterance;
import io.openrtc.voice.stt.Transcript;
import io.openrtc.voice.stt.UtteranceSpeechToText;
import java.util.Objects;
import org.springframework.ai.audio.transcription.AudioTranscriptionOptions;
import org.springframework.ai.audio.transcription.AudioTranscriptionPrompt;
import org.springframework.ai.audio.transcription.AudioTranscriptionResponse;
import org.springframework.ai.audio.transcription.TranscriptionModel;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.Resource;

/**
 * Speech-to-text through a Spring AI {@link TranscriptionModel}: each utterance that voice
 * activity detection bounded (with its prefix padding) goes out as one 16 kHz mono WAV file, the
 * way OpenAI's transcription API and every Whisper server take it. Any OpenAI-compatible server
 * works through {@code spring.ai.openai.base-url}.
 */
public final class SpringAiSpeechToText implements UtteranceSpeechToText {

    private final TranscriptionModel model;
    private final String name;
    private final AudioTranscriptionOptions options;

    /**
     * @param model   the Spring AI model
     * @param name    how logs and errors name it (the bean name, say)
     * @param options request options, or null for the model's defaults
     */
    public SpringAiSpeechToText(TranscriptionModel model, String name, AudioTranscriptionOptions options) {
        this.model = Objects.requireNonNull(model, "model");
        this.name = Objects.requireNonNull(name, "name");
        this.options = options;
    }

    /** The model with its default options. */
    public SpringAiSpeechToText(TranscriptionModel model, String name) {
        this(model, name, null);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Transcript transcribe(Utterance utterance) {
        Resource wav = new NamedResource(utterance.toWav(), "utterance.wav");
        AudioTranscriptionResponse response = model.call(new AudioTranscriptionPrompt(wav, options));
        if (response == null || response.getResult() == null || response.getResult().getOutput() == null) {
            throw new IllegalStateException("the model answered without a transcription");
        }
        return Transcript.of(response.getResult().getOutput());
    }

    /** Transcription APIs read the format from the file name's extension. */
    private static final class NamedResource extends ByteArrayResource {
        private final String filename;

        NamedResource(byte[] bytes, String filename) {
            super(bytes);
            this.filename = filename;
        }

        @Override
        public String getFilename() {
            return filename;
        }
    }
}
