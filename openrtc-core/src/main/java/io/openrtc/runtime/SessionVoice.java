package io.openrtc.runtime;

import io.openrtc.agent.AgentSession;
import io.openrtc.rtc.RoomException;
import io.openrtc.voice.Voice;
import io.openrtc.voice.VoiceProviders;
import io.openrtc.voice.VoiceRuntime;
import io.openrtc.voice.VoiceSession;
import io.openrtc.voice.VoiceSetup;

/**
 * A session's voice, started on first use: from the agent's options and providers and the
 * JVM's shared {@link VoiceRuntime}, in the session's room.
 */
final class SessionVoice {

    /** What a session needs to start its voice. */
    record Factory(VoiceSetup setup, VoiceRuntime runtime) {
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
                    + "(AgentPool.builder().voice(...)), or, under Spring Boot, a Spring AI TranscriptionModel or "
                    + "TextToSpeechModel bean (or openrtc.agents." + agent + ".stt / .tts)");
        }
        VoiceProviders providers = factory.setup().providers(agent);
        if (providers.stt() == null && providers.tts() == null) {
            throw new IllegalStateException("Agent '" + agent + "' has neither a speech-to-text nor a text-to-speech provider: "
                    + "under Spring Boot add a Spring AI TranscriptionModel / TextToSpeechModel bean or set openrtc.agents."
                    + agent + ".stt / .tts to one");
        }
        try {
            voice = VoiceSession.start(session.room(), session.job().participantIdentity(), factory.setup().options(agent),
                    providers, factory.runtime(), session.job().jobId(), session::end);
        } catch (RoomException e) {
            throw new IllegalStateException("The voice of session " + session.job().jobId() + " could not publish its audio track: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("The session ended while its voice was starting", e);
        }
        return voice;
    }

    synchronized void close() {
        closed = true;
        if (voice != null) {
            voice.close();
        }
    }
}
