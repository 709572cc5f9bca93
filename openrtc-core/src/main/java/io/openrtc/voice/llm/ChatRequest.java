package io.openrtc.voice.llm;

import java.util.List;

/**
 * What the language model is asked: the conversation so far (instructions first) and the tools
 * it may call.
 */
public record ChatRequest(List<ChatItem> history, List<ToolSpec> tools) {

    public ChatRequest {
        history = List.copyOf(history);
        tools = List.copyOf(tools);
    }
}
