package io.openrtc.runtime;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.AgentSession;
import io.openrtc.rtc.RoomException;
import io.openrtc.voice.ActiveAgent;
import io.openrtc.voice.Voice;
import io.openrtc.voice.VoiceAgent;
import io.openrtc.voice.VoiceProviders;
import io.openrtc.voice.VoiceRuntime;
import io.openrtc.voice.VoiceSession;
import io.openrtc.voice.VoiceSetup;
import io.openrtc.voice.llm.AgentTool;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A session's voice, started on first use: from the agent's options and the providers of the
 * agent for the session's tenant, and the JVM's shared {@link VoiceRuntime}, in the session's room. It also tells the conversation about
 * the registered voice agents, for handoffs.
 */
final class SessionVoice {

    /** What a session needs to start its voice. */
    record Factory(VoiceSetup setup, VoiceRuntime runtime, AgentRegistry agents,
                   java.util.function.Consumer<io.openrtc.observe.VoiceMetric> metrics) {
    }

    private final AgentSession session;
    private final Factory factory;
    private VoiceSession voice;
    private boolean closed;

    SessionVoice(AgentSession session, Factory factory) {
        this.session = session;
        this.factory = factory;
    }

    synchronized Voice get() {
        if (voice != null) {
            return voice;
        }
        if (closed) {
            throw new IllegalStateException("Session " + session.job().jobId() + " has ended; its voice is stopped");
        }
        String agent = session.agentName();
        if (factory == null) {
            throw new IllegalStateException("Agent '" + agent + "' has no voice configured: give the pool a VoiceSetup "
                    + "(AgentPool.builder().voice(...)), or, under Spring Boot, a Spring AI TranscriptionModel, "
                    + "TextToSpeechModel or ChatModel bean (or openrtc.agents." + agent + ".stt / .tts / .llm)");
        }
        VoiceProviders providers = factory.setup().providers(agent, session.tenant());
        if (providers.stt() == null && providers.tts() == null && providers.llm() == null) {
            throw new IllegalStateException("Agent '" + agent + "' has no speech-to-text, text-to-speech or language model"
                    + " (tenant '" + session.tenant() + "'): under Spring Boot add a Spring AI TranscriptionModel / "
                    + "TextToSpeechModel / ChatModel bean or set openrtc.agents." + agent + ".stt / .tts / .llm to one");
        }
        try {
            voice = VoiceSession.start(session, factory.setup().options(agent), providers, factory.runtime(),
                    instance -> describe(agent, instance), this::find, factory.metrics());
        } catch (RoomException e) {
            throw new IllegalStateException("The voice of session " + session.job().jobId() + " could not publish its audio track: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("The session ended while its voice was starting", e);
        }
        return voice;
    }

    /** The conversation's agent for {@code instance} serving as {@code name}. */
    private ActiveAgent describe(String name, VoiceAgent instance) {
        VoiceProviders providers = factory.setup().providers(name, session.tenant());
        List<AgentTool> tools = new ArrayList<>(instance.tools());
        tools.addAll(factory.setup().tools(name, instance));
        return new ActiveAgent(name, instance.instructions(), tools, providers.llm(), providers.tts());
    }

    /** A registered voice agent, for a handoff: a fresh instance where the agent is per session. */
    private Optional<ActiveAgent> find(String name) {
        Optional<AgentRegistration> registration = factory.agents().find(name);
        if (registration.isEmpty()) {
            return Optional.empty();
        }
        Agent instance = registration.get().provider().agentFor(session.job());
        return instance instanceof VoiceAgent voiceAgent ? Optional.of(describe(name, voiceAgent)) : Optional.empty();
    }

    synchronized void close() {
        closed = true;
        if (voice != null) {
            voice.close();
        }
    }
}
