package io.openrtc.voice;

import io.openrtc.voice.llm.AgentTool;
import io.openrtc.voice.llm.LanguageModel;
import io.openrtc.voice.llm.ToolSpec;
import io.openrtc.voice.tts.TextToSpeech;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The agent a conversation speaks for now: its instructions, tools, language model and voice.
 * A handoff replaces it. Made by the runtime from a {@link VoiceAgent} and the agent's
 * {@link VoiceSetup}.
 *
 * @param name         the agent's registered name
 * @param instructions its system prompt
 * @param tools        what its model may call
 * @param llm          its language model, or null
 * @param tts          its voice, or null for the session's default
 */
public record ActiveAgent(String name, String instructions, List<AgentTool> tools, LanguageModel llm, TextToSpeech tts) {

    public ActiveAgent {
        Objects.requireNonNull(name, "name");
        instructions = Objects.requireNonNullElse(instructions, "");
        tools = List.copyOf(tools);
    }

    /** What the model is told about the tools. */
    public List<ToolSpec> toolSpecs() {
        return tools.stream().map(AgentTool::spec).toList();
    }

    /** The tool of that name. */
    public Optional<AgentTool> tool(String toolName) {
        return tools.stream().filter(t -> t.spec().name().equals(toolName)).findFirst();
    }

    /** Resolves another registered agent by name, for handoffs. */
    @FunctionalInterface
    public interface Resolver {

        /** @return the agent, or empty when no voice agent of that name is registered */
        Optional<ActiveAgent> resolve(String agentName);
    }
}
