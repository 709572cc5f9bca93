package io.openrtc.test;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a chat-completions request's {@code messages}, as {@link ScriptedChatServer}
 * received it.
 *
 * @param role {@code system}, {@code developer}, {@code user}, {@code assistant} or {@code tool}
 * @param text the message's text: its {@code content} string, or the text parts of a content
 *     array joined; empty when it has none (an assistant message that only calls tools)
 * @param name the optional {@code name} field, or {@code null}
 * @param toolCallId for a {@code tool} message, the {@code tool_call_id} it answers; otherwise
 *     {@code null}
 * @param toolCalls for an {@code assistant} message, the calls it made; otherwise empty
 * @param json the message exactly as received
 */
public record ChatMessage(String role, String text, String name, String toolCallId, List<ToolCall> toolCalls,
        JsonNode json) {

    public ChatMessage {
        toolCalls = List.copyOf(toolCalls);
    }

    /** Whether this is a {@code system} or {@code developer} message (OpenAI treats both alike). */
    public boolean isSystem() {
        return "system".equals(role) || "developer".equals(role);
    }

    /** Whether this is a {@code user} message. */
    public boolean isUser() {
        return "user".equals(role);
    }

    /** Whether this is an {@code assistant} message. */
    public boolean isAssistant() {
        return "assistant".equals(role);
    }

    /** Whether this is a {@code tool} message: the result of a tool call. */
    public boolean isToolResult() {
        return "tool".equals(role);
    }

    static ChatMessage parse(JsonNode json) {
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode call : json.path("tool_calls")) {
            JsonNode function = call.path("function");
            calls.add(new ToolCall(textOrNull(call.get("id")), function.path("name").asText(""),
                    function.path("arguments").asText("")));
        }
        return new ChatMessage(json.path("role").asText(""), contentText(json.get("content")),
                textOrNull(json.get("name")), textOrNull(json.get("tool_call_id")), calls, json);
    }

    private static String contentText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        // Content parts: only the text ones carry words a script can match.
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if (part.isTextual()) {
                text.append(part.asText());
            } else if (part.has("text")) {
                text.append(part.path("text").asText(""));
            }
        }
        return text.toString();
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }
}
