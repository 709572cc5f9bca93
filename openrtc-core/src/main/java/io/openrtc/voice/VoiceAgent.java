package io.openrtc.voice;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentSession;
import io.openrtc.voice.llm.AgentTool;
import java.util.List;

/**
 * A voice agent declared by what it is told and what it can do: the framework runs the whole
 * conversation (listen, transcribe, think with the language model and the tools, speak), with
 * interruptions, typed messages, the greeting and handoffs.
 *
 * <pre>{@code
 * @AgentConfig(name = "restaurant", greeting = "Welcome to reservations. How many guests?")
 * public class RestaurantAgent implements VoiceAgent {
 *     @Override public String instructions() { return "You take table reservations..."; }
 *
 *     @Tool(description = "Book a table")               // Spring AI: becomes a tool of this agent
 *     Booking book(int people, LocalTime time) { ... }
 * }
 * }</pre>
 *
 * Override {@link #run} to do something around the conversation; a plain {@link Agent} can drive
 * the same pipeline step by step ({@link Voice#listen()}, {@link Voice#reply(UserTurn)},
 * {@link Voice#say(String)}).
 */
public interface VoiceAgent extends Agent {

    /** The instructions (system prompt) of the language model. */
    String instructions();

    /**
     * Tools besides those the framework finds (under Spring: the agent's {@code @Tool} methods and
     * the {@code ToolCallback} beans it names).
     */
    default List<AgentTool> tools() {
        return List.of();
    }

    /** Runs the conversation until the session ends. */
    @Override
    default void run(AgentSession session) throws Exception {
        session.voice().converse(this);
    }
}
