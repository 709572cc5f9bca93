package io.openrtc.voice.llm;

import java.util.Objects;

/**
 * A tool a voice agent's language model may call. Under Spring Boot, an agent's Spring AI
 * {@code @Tool} methods and the {@code ToolCallback} beans it names become tools; plain Java code
 * implements this directly.
 */
public interface AgentTool {

    /** What the model is told about it. */
    ToolSpec spec();

    /**
     * Runs the tool.
     *
     * @param arguments  the model's arguments (JSON, as the model wrote them: check them)
     * @param invocation the session it runs in, and the way to hand the session to another agent
     * @return the result the model reads (text or JSON)
     * @throws Exception any failure: its message goes back to the model as the tool's result, and
     *                   the conversation goes on
     */
    String call(String arguments, ToolInvocation invocation) throws Exception;

    /** A tool from its spec and a function. */
    static AgentTool of(ToolSpec spec, Function function) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(function, "function");
        return new AgentTool() {
            @Override
            public ToolSpec spec() {
                return spec;
            }

            @Override
            public String call(String arguments, ToolInvocation invocation) throws Exception {
                return function.call(arguments, invocation);
            }

            @Override
            public String toString() {
                return "AgentTool[" + spec.name() + "]";
            }
        };
    }

    /** The body of a tool. */
    @FunctionalInterface
    interface Function {
        String call(String arguments, ToolInvocation invocation) throws Exception;
    }
}
