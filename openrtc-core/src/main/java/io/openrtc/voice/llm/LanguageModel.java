package io.openrtc.voice.llm;

/**
 * The language model a voice agent thinks with. It streams its answer, so the first sentence is
 * spoken while the rest is still being written, and it may ask for tool calls, which the
 * conversation runs and answers before asking it again.
 */
public interface LanguageModel {

    /** A short name for logs, events and errors, such as {@code openai/gpt-4o-mini}. */
    String name();

    /**
     * Starts answering.
     *
     * @return the answer as it comes; the conversation reads it with time limits and closes it
     *         when done or interrupted (which should cancel the request)
     * @throws Exception when the request cannot even be started
     */
    ChatStream stream(ChatRequest request) throws Exception;
}
