package io.openrtc.voice.llm;

import java.util.List;

/** One piece of a language model's streamed answer. */
public sealed interface ChatDelta {

    /** More text of the answer. */
    record Text(String text) implements ChatDelta {
    }

    /** The model asks for these tool calls; the answer's text (if any) came before. */
    record ToolCalls(List<ToolCall> calls) implements ChatDelta {
        public ToolCalls {
            calls = List.copyOf(calls);
        }
    }

    /** What the request cost, in tokens. */
    record Usage(long promptTokens, long completionTokens) implements ChatDelta {
    }
}
