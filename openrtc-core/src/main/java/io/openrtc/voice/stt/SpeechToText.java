package io.openrtc.voice.stt;

/**
 * Turns a participant's speech into text. Two kinds exist, and the voice pipeline drives each
 * the way it needs:
 * <ul>
 *   <li>{@link UtteranceSpeechToText}: transcribes one whole utterance at a time, as voice
 *       activity detection bounded it (OpenAI's transcription API, Whisper servers, Spring AI's
 *       {@code TranscriptionModel}). Final transcripts only.</li>
 *   <li>{@link StreamingSpeechToText}: listens to the audio as it arrives and reports interim
 *       transcripts while the participant speaks and final ones when a phrase is done.</li>
 * </ul>
 */
public sealed interface SpeechToText permits UtteranceSpeechToText, StreamingSpeechToText {

    /** A short name for logs, events and errors, such as {@code openai/whisper-1}. */
    String name();
}
