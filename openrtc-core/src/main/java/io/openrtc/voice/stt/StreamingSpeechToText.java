package io.openrtc.voice.stt;

/**
 * Speech-to-text that listens to the audio as it arrives. The pipeline opens one
 * {@link RecognitionStream} per participant it listens to, pushes every 10 ms of 16 kHz mono
 * audio into it, and tells it where voice activity detection saw speech start and end.
 */
public non-sealed interface StreamingSpeechToText extends SpeechToText {

    /**
     * Opens a recognition stream.
     *
     * @param listener receives the transcripts; called on any thread, must not block for long
     */
    RecognitionStream open(RecognitionListener listener) throws Exception;

    /** One live recognition. */
    interface RecognitionStream extends AutoCloseable {

        /** Audio: 16 kHz mono 16-bit PCM. */
        void push(short[] samples, int offset, int length);

        /** Voice activity detection saw speech end: a provider may finalise what it holds. */
        default void endOfSpeech() {
        }

        /** Stops the recognition and releases it. */
        @Override
        void close();
    }

    /** Receives a stream's results. */
    interface RecognitionListener {

        /** A transcript of the speech so far that may still change. */
        void interim(Transcript transcript);

        /** A transcript that will not change. */
        void complete(Transcript transcript);

        /** The stream failed; it delivers nothing more. */
        void failed(Exception error);
    }
}
