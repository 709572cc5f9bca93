package io.openrtc.spring.ai;

import io.openrtc.voice.llm.AgentTool;
import io.openrtc.voice.llm.ToolInvocation;
import io.openrtc.voice.llm.ToolSpec;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.support.ToolCallbacks;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * A Spring AI {@link ToolCallback} (a {@code @Tool} method, a {@code FunctionToolCallback}, a
 * {@code ToolCallback} bean) as a voice agent's tool. The tool gets the session through Spring
 * AI's {@link ToolContext}: read it with {@link OpenRtcToolContext}.
 */
public final class SpringAiTool implements AgentTool {

    private final ToolCallback callback;
    private final ToolSpec spec;

    public SpringAiTool(ToolCallback callback) {
        this.callback = Objects.requireNonNull(callback, "callback");
        ToolDefinition definition = callback.getToolDefinition();
        this.spec = new ToolSpec(definition.name(), definition.description(), definition.inputSchema());
    }

    /** The tools of every {@code @Tool} method of {@code target}; none when it has none. */
    public static List<AgentTool> fromToolMethods(Object target) {
        if (!hasToolMethods(target.getClass())) {
            return List.of();
        }
        return List.of(ToolCallbacks.from(target)).stream().<AgentTool>map(SpringAiTool::new).toList();
    }

    private static boolean hasToolMethods(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (java.lang.reflect.Method method : c.getDeclaredMethods()) {
                if (method.isAnnotationPresent(org.springframework.ai.tool.annotation.Tool.class)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public ToolSpec spec() {
        return spec;
    }

    @Override
    public String call(String arguments, ToolInvocation invocation) {
        return callback.call(arguments, new ToolContext(Map.of(OpenRtcToolContext.KEY, invocation)));
    }

    @Override
    public String toString() {
        return "SpringAiTool[" + spec.name() + "]";
    }
}
