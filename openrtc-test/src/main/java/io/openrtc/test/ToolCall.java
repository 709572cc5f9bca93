package io.openrtc.test;

import java.util.Objects;

/**
 * One function call of an OpenAI chat completion: the {@code tool_calls[]} entry of an assistant
 * message, as {@link ScriptedChatServer} sends it or as a client sends it back in the history.
 *
 * @param id the call's id ({@code call_...}), which the tool result message must echo as its
 *     {@code tool_call_id}; {@code null} in a scripted reply means "let the server assign a fresh
 *     id each time the reply is served"
 * @param name the function's name
 * @param arguments the function's arguments exactly as sent: a JSON text, or anything else when a
 *     test scripts a model that produces broken arguments
 */
public record ToolCall(String id, String name, String arguments) {

    public ToolCall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }

    /**
     * A call for a scripted reply; the server gives it a fresh {@code call_...} id every time it is
     * served, as a model would.
     *
     * @param name the function's name, normally one of the request's {@code tools}
     * @param arguments the arguments' JSON text, for example {@code {"people":2,"time":"19:00"}}
     */
    public static ToolCall of(String name, String arguments) {
        return new ToolCall(null, name, arguments);
    }
}
