package io.openrtc.voice;

/** The steps of the voice pipeline, as errors and timings name them. */
public enum VoiceStep {
    /** Voice activity detection. */
    VAD,
    /** Speech to text. */
    STT,
    /** The language model. */
    LLM,
    /** Text to speech. */
    TTS
}
