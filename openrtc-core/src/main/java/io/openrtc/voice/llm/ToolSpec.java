package io.openrtc.voice.llm;

import java.util.Objects;

/**
 * What the language model is told about a tool.
 *
 * @param name        the tool's name, as the model calls it
 * @param description what it does and when to use it
 * @param inputSchema the JSON schema of its arguments
 */
public record ToolSpec(String name, String description, String inputSchema) {

    public ToolSpec {
        Objects.requireNonNull(name, "name");
        description = Objects.requireNonNullElse(description, "");
        inputSchema = inputSchema == null || inputSchema.isBlank() ? "{\"type\":\"object\",\"properties\":{}}" : inputSchema;
    }
}
