package io.openrtc.voice.llm;

import java.util.Objects;

/**
 * One call of a tool the language model asked for.
 *
 * @param id        the model's id for the call (answered by the result with the same id)
 * @param name      the tool's name
 * @param arguments the arguments as the model wrote them (JSON, unchecked)
 */
public record ToolCall(String id, String name, String arguments) {

    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        arguments = Objects.requireNonNullElse(arguments, "");
    }
}
