package io.openrtc.spring.ai;

import io.openrtc.voice.llm.BufferedChatStream;
import io.openrtc.voice.llm.ChatDelta;
import io.openrtc.voice.llm.ChatItem;
import io.openrtc.voice.llm.ChatRequest;
import io.openrtc.voice.llm.ChatStream;
import io.openrtc.voice.llm.LanguageModel;
import io.openrtc.voice.llm.ToolCall;
import io.openrtc.voice.llm.ToolSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import reactor.core.Disposable;

/**
 * A Spring AI {@link ChatModel} as a voice agent's language model: the conversation becomes a
 * {@link Prompt} (instructions as the system message, the user's and the agent's turns, tool calls
 * and their results), the tools are offered by their definitions only, and the answer streams
 * ({@code ChatModel.stream}). The conversation runs the tools itself, so that it can bound them,
 * speak what the model said before them, and stop them at an interruption; the model's own tool
 * execution is never used.
 */
public final class SpringAiLanguageModel implements LanguageModel {

    private final ChatModel model;
    private final String name;

    /**
     * @param model the Spring AI model
     * @param name  how logs and errors name it (the bean name, say)
     */
    public SpringAiLanguageModel(ChatModel model, String name) {
        this.model = Objects.requireNonNull(model, "model");
        this.name = Objects.requireNonNull(name, "name");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ChatStream stream(ChatRequest request) {
        Prompt prompt = new Prompt(messages(request.history()), options(request.tools()));
        Disposable[] subscription = new Disposable[1];
        BufferedChatStream stream = new BufferedChatStream(() -> {
            if (subscription[0] != null) {
                subscription[0].dispose();
            }
        });
        ToolCallCollector calls = new ToolCallCollector();
        long[] usage = new long[2];
        subscription[0] = model.stream(prompt).subscribe(
                response -> read(response, stream, calls, usage),
                error -> stream.fail(error instanceof Exception e ? e : new RuntimeException(error)),
                () -> {
                    if (!calls.isEmpty()) {
                        stream.offer(new ChatDelta.ToolCalls(calls.calls()));
                    }
                    if (usage[0] > 0 || usage[1] > 0) {
                        stream.offer(new ChatDelta.Usage(usage[0], usage[1]));
                    }
                    stream.complete();
                });
        return stream;
    }

    private static void read(ChatResponse response, BufferedChatStream stream, ToolCallCollector calls, long[] usage) {
        if (response == null) {
            return;
        }
        for (Generation generation : response.getResults()) {
            AssistantMessage message = generation.getOutput();
            if (message == null) {
                continue;
            }
            String text = message.getText();
            if (text != null && !text.isEmpty()) {
                stream.offer(new ChatDelta.Text(text));
            }
            if (message.hasToolCalls()) {
                message.getToolCalls().forEach(calls::add);
            }
        }
        Usage used = response.getMetadata() == null ? null : response.getMetadata().getUsage();
        if (used != null) {
            // Streams report usage once, at the end; keep the largest figures seen.
            usage[0] = Math.max(usage[0], used.getPromptTokens() == null ? 0 : used.getPromptTokens());
            usage[1] = Math.max(usage[1], used.getCompletionTokens() == null ? 0 : used.getCompletionTokens());
        }
    }

    /** The conversation as Spring AI messages; the results of one step's tools go in one message. */
    static List<Message> messages(List<ChatItem> history) {
        List<Message> messages = new ArrayList<>();
        List<ToolResponseMessage.ToolResponse> results = new ArrayList<>();
        for (ChatItem item : history) {
            if (!(item instanceof ChatItem.ToolResult) && !results.isEmpty()) {
                messages.add(ToolResponseMessage.builder().responses(List.copyOf(results)).build());
                results.clear();
            }
            switch (item) {
                case ChatItem.Instructions instructions -> {
                    if (!instructions.text().isBlank()) {
                        messages.add(new SystemMessage(instructions.text()));
                    }
                }
                case ChatItem.User user -> messages.add(new UserMessage(user.text()));
                case ChatItem.Assistant assistant -> messages.add(AssistantMessage.builder()
                        .content(assistant.text())
                        .toolCalls(assistant.toolCalls().stream()
                                .map(c -> new AssistantMessage.ToolCall(c.id(), "function", c.name(), c.arguments())).toList())
                        .build());
                case ChatItem.ToolResult result ->
                        results.add(new ToolResponseMessage.ToolResponse(result.callId(), result.toolName(), result.result()));
                case ChatItem.Handoff handoff -> messages.add(new SystemMessage("The conversation was handed from the "
                        + handoff.fromAgent() + " agent to the " + handoff.toAgent() + " agent."));
            }
        }
        if (!results.isEmpty()) {
            messages.add(ToolResponseMessage.builder().responses(List.copyOf(results)).build());
        }
        return messages;
    }

    /**
     * The model's own options with the tools added: options on a prompt replace the model's
     * (model name, temperature), they are not merged with them.
     */
    private ChatOptions options(List<ToolSpec> tools) {
        if (tools.isEmpty()) {
            return null;
        }
        List<ToolCallback> definitions = tools.stream().<ToolCallback>map(DefinitionOnly::new).toList();
        ChatOptions defaults = model.getDefaultOptions();
        if (defaults instanceof ToolCallingChatOptions own) {
            return own.mutate().toolCallbacks(definitions).build();
        }
        ToolCallingChatOptions.Builder<?> builder = ToolCallingChatOptions.builder().toolCallbacks(definitions);
        if (defaults != null) {
            builder.model(defaults.getModel()).temperature(defaults.getTemperature()).maxTokens(defaults.getMaxTokens())
                    .topP(defaults.getTopP());
        }
        return builder.build();
    }

    @Override
    public String toString() {
        return "SpringAiLanguageModel[" + name + "]";
    }

    /** A tool as the model sees it; never called here (the conversation runs tools itself). */
    private record DefinitionOnly(ToolSpec spec) implements ToolCallback {

        @Override
        public ToolDefinition getToolDefinition() {
            return ToolDefinition.builder().name(spec.name()).description(spec.description()).inputSchema(spec.inputSchema())
                    .build();
        }

        @Override
        public String call(String toolInput) {
            throw new UnsupportedOperationException("OpenRTC runs the voice agent's tools itself: " + spec.name());
        }
    }

    /**
     * Tool calls as a stream reports them: whole in one chunk, or (where a client passes the
     * provider's pieces through) an id and name first, and the arguments in later pieces.
     */
    private static final class ToolCallCollector {

        private final Map<String, String[]> byId = new LinkedHashMap<>();
        private String last;

        synchronized void add(AssistantMessage.ToolCall call) {
            String id = call.id() == null || call.id().isEmpty() ? last : call.id();
            if (id == null) {
                return;
            }
            last = id;
            String[] held = byId.computeIfAbsent(id, k -> new String[] {"", ""});
            if (call.name() != null && !call.name().isEmpty()) {
                held[0] = call.name();
            }
            String arguments = call.arguments() == null ? "" : call.arguments();
            // A whole call repeats the arguments; a piece continues them.
            held[1] = arguments.startsWith(held[1]) ? arguments : held[1] + arguments;
        }

        synchronized boolean isEmpty() {
            return byId.isEmpty();
        }

        synchronized List<ToolCall> calls() {
            List<ToolCall> calls = new ArrayList<>();
            byId.forEach((id, held) -> calls.add(new ToolCall(id, held[0], held[1])));
            return calls;
        }
    }
}
