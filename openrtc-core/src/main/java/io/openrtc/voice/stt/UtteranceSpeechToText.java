package io.openrtc.voice.stt;

import io.openrtc.voice.audio.Utterance;

/**
 * Speech-to-text that transcribes one utterance per request. The pipeline calls it on its own
 * virtual thread once voice activity detection ends an utterance, bounds the call by
 * {@code openrtc.voice.stt.timeout}, and interrupts it on timeout or when the session ends.
 */
public non-sealed interface UtteranceSpeechToText extends SpeechToText {

    /**
     * Transcribes the utterance.
     *
     * @return what was said; an empty text when nothing intelligible was (the turn is dropped)
     * @throws Exception any failure; the pipeline reports it as a speech-to-text error of this
     *                   provider and goes on listening
     */
    Transcript transcribe(Utterance utterance) throws Exception;
}
