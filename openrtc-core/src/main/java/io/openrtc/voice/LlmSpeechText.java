package io.openrtc.voice;

import io.openrtc.voice.llm.ChatDelta;
import io.openrtc.voice.llm.ChatStream;
import io.openrtc.voice.llm.LanguageModel;
import io.openrtc.voice.llm.ToolCall;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * A language model's streamed answer as the words of a speech: text pieces go to the synthesis as
 * they come; tool calls and usage are kept for the reply to act on once the text is complete.
 */
final class LlmSpeechText implements SpeechText {

    private final LanguageModel model;
    private final ChatStream stream;
    private final Duration timeout;
    private final StringBuilder text = new StringBuilder();
    private final List<ToolCall> toolCalls = new ArrayList<>();
    private final long startedNanos = System.nanoTime();
    private volatile long firstTextNanos = -1;
    private volatile long promptTokens;
    private volatile long completionTokens;
    private volatile boolean complete;
    private volatile java.util.function.Consumer<String> onComplete = text -> { };

    /** @param timeout how long the model may take to begin its answer, and each gap in it */
    LlmSpeechText(LanguageModel model, ChatStream stream, Duration timeout) {
        this.model = model;
        this.stream = stream;
        this.timeout = timeout;
    }

    /** The next piece; the model's own time limit applies, not the synthesis's {@code ignored} one. */
    @Override
    public String next(Duration ignored) throws VoiceProviderException, InterruptedException {
        try {
            while (true) {
                ChatDelta delta = stream.next(timeout);
                if (delta == null) {
                    complete = true;
                    onComplete.accept(text());
                    return null;
                }
                switch (delta) {
                    case ChatDelta.Text piece -> {
                        if (!piece.text().isEmpty()) {
                            if (firstTextNanos < 0) {
                                firstTextNanos = System.nanoTime();
                            }
                            synchronized (this) {
                                text.append(piece.text());
                            }
                            return piece.text();
                        }
                    }
                    case ChatDelta.ToolCalls calls -> {
                        synchronized (this) {
                            toolCalls.addAll(calls.calls());
                        }
                    }
                    case ChatDelta.Usage usage -> {
                        promptTokens += usage.promptTokens();
                        completionTokens += usage.completionTokens();
                    }
                }
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (TimeoutException e) {
            throw new VoiceProviderException(model.name(), VoiceStep.LLM,
                    "no answer within " + timeout.toMillis() + " ms (openrtc.voice.llm.timeout)", e);
        } catch (Exception e) {
            throw new VoiceProviderException(model.name(), VoiceStep.LLM, VoiceProviderException.describe(e), e);
        }
    }

    /** Reads the whole answer (for replies without a voice). */
    String readAll() throws VoiceProviderException, InterruptedException {
        while (next(timeout) != null) {
            // keeps reading; the text accumulates
        }
        return text();
    }

    /** Runs {@code action} with the whole text once the answer is complete (not when it fails or is cancelled). */
    void whenComplete(java.util.function.Consumer<String> action) {
        onComplete = action;
    }

    @Override
    public void cancel() {
        stream.close();
    }

    /** Whether the answer ended normally. */
    boolean isComplete() {
        return complete;
    }

    synchronized String text() {
        return text.toString();
    }

    synchronized List<ToolCall> toolCalls() {
        return List.copyOf(toolCalls);
    }

    /** From the request to the first text, or null if none came. */
    Duration timeToFirstText() {
        return firstTextNanos < 0 ? null : Duration.ofNanos(firstTextNanos - startedNanos);
    }

    long promptTokens() {
        return promptTokens;
    }

    long completionTokens() {
        return completionTokens;
    }
}
