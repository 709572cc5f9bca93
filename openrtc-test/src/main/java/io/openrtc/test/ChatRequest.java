package io.openrtc.test;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One chat-completions request as {@link ScriptedChatServer} received it: what its rules match on,
 * and what tests assert the LLM was sent (history, tool results, system prompt, tools offered).
 * {@link #served()} adds what the server answered, once it has.
 */
public final class ChatRequest {

    private final int index;
    private final Instant receivedAt;
    private final String path;
    private final Map<String, List<String>> headers;
    private final JsonNode json;
    private final List<ChatMessage> messages;
    private final List<String> toolNames;
    private volatile ServedReply served;

    ChatRequest(int index, Instant receivedAt, String path, Map<String, List<String>> headers, JsonNode json) {
        this.index = index;
        this.receivedAt = receivedAt;
        this.path = path;
        this.headers = headers;
        this.json = json;
        List<ChatMessage> parsed = new ArrayList<>();
        for (JsonNode message : json.path("messages")) {
            parsed.add(ChatMessage.parse(message));
        }
        this.messages = List.copyOf(parsed);
        List<String> names = new ArrayList<>();
        for (JsonNode tool : json.path("tools")) {
            JsonNode name = tool.path("function").get("name");
            if (name != null && name.isTextual()) {
                names.add(name.asText());
            }
        }
        this.toolNames = List.copyOf(names);
    }

    /** The request's number on this server: 0 for the first, counting every chat request. */
    public int index() {
        return index;
    }

    /** When the server had read the request's body. */
    public Instant receivedAt() {
        return receivedAt;
    }

    /** The request path, {@code /v1/chat/completions}. */
    public String path() {
        return path;
    }

    /** The first value of a request header (case-insensitive), for example {@code Authorization}. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /** The request body as received. */
    public JsonNode json() {
        return json;
    }

    /** The {@code model} asked for. */
    public String model() {
        return json.path("model").asText("");
    }

    /** Whether the client asked for a stream ({@code "stream": true}). */
    public boolean stream() {
        return json.path("stream").asBoolean(false);
    }

    /** Whether a stream should end with a usage chunk ({@code stream_options.include_usage}). */
    public boolean includeUsage() {
        return json.path("stream_options").path("include_usage").asBoolean(false);
    }

    /** The conversation sent, in order. */
    public List<ChatMessage> messages() {
        return messages;
    }

    /** The last message of the conversation. */
    public Optional<ChatMessage> lastMessage() {
        return messages.isEmpty() ? Optional.empty() : Optional.of(messages.getLast());
    }

    /** The text of the first {@code system} (or {@code developer}) message, if there is one. */
    public Optional<String> systemPrompt() {
        return messages.stream().filter(ChatMessage::isSystem).map(ChatMessage::text).findFirst();
    }

    /**
     * The text of the last {@code user} message, or empty when there is none. It stays the same in
     * the follow-up request that carries tool results; see {@link #userSaid(String)}.
     */
    public String lastUserText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).isUser()) {
                return messages.get(i).text();
            }
        }
        return "";
    }

    /**
     * Whether the last message is a {@code user} message containing {@code fragment} (ignoring
     * case): the user's turn is being answered. Unlike {@code lastUserText().contains(...)}, this
     * no longer holds in the follow-up request that carries the tool results (whose last user
     * message is still the same), so a tool-calling rule written with it does not fire again there.
     */
    public boolean userSaid(String fragment) {
        return lastMessage().filter(ChatMessage::isUser)
                .map(m -> m.text().toLowerCase(Locale.ROOT).contains(fragment.toLowerCase(Locale.ROOT)))
                .orElse(false);
    }

    /**
     * Whether the last message is a tool result, that is, the model is being asked to go on after
     * its tool calls were run.
     */
    public boolean lastMessageIsToolResult() {
        return lastMessage().map(ChatMessage::isToolResult).orElse(false);
    }

    /** The content of the last {@code tool} message, or empty when there is none. */
    public String lastToolResult() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).isToolResult()) {
                return messages.get(i).text();
            }
        }
        return "";
    }

    /**
     * The tool results at the end of the conversation, one per call of the last assistant message
     * when the client answered them all (several for parallel calls).
     */
    public List<ChatMessage> toolResults() {
        int start = messages.size();
        while (start > 0 && messages.get(start - 1).isToolResult()) {
            start--;
        }
        return messages.subList(start, messages.size());
    }

    /** The names of the functions offered in {@code tools}, in order. */
    public List<String> toolNames() {
        return toolNames;
    }

    /** Whether a function of that name is offered in {@code tools}. */
    public boolean offersTool(String name) {
        return toolNames.contains(name);
    }

    /** The {@code tools} array as received (an empty node when the request has none). */
    public JsonNode tools() {
        return json.path("tools");
    }

    /** What the server answered, once it has (empty while the request is being answered). */
    public Optional<ServedReply> served() {
        return Optional.ofNullable(served);
    }

    void served(ServedReply reply) {
        this.served = reply;
    }

    @Override
    public String toString() {
        String last = lastMessage().map(m -> m.role() + ": " + abbreviate(m.isAssistant() && !m.toolCalls().isEmpty()
                ? "tool_calls " + m.toolCalls().stream().map(ToolCall::name).toList() : m.text())).orElse("(no messages)");
        return "ChatRequest#" + index + "{stream=" + stream() + ", messages=" + messages.size() + ", tools=" + toolNames
                + ", last " + last + "}";
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? '"' + text + '"' : '"' + text.substring(0, 77) + "...\"";
    }
}
