package io.openrtc.spring.ai;

import io.openrtc.agent.Agent;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.pool.PoolOptions;
import io.openrtc.runtime.AgentPool;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.voice.VoiceOptions;
import io.openrtc.voice.VoiceProviders;
import io.openrtc.voice.VoiceSetup;
import io.openrtc.voice.llm.AgentTool;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A worker with the conversation agents (restaurant, dental): Spring AI's real OpenAI clients for
 * speech (the local speech server) and for the language model (the scripted chat server, the one
 * stub), and the agents' {@code @Tool} methods as their tools.
 */
final class ConversationPool implements AutoCloseable {

    /** The voice's defaults, with the away-user timeout off (tests wait in silence on purpose). */
    static final VoiceOptions PATIENT = VoiceOptions.builder().conversation(new io.openrtc.voice.ConversationOptions(
            Duration.ofSeconds(15), 5, Duration.ofSeconds(10), io.openrtc.voice.ConversationOptions.DEFAULTS.apology(),
            Duration.ZERO, "", false, io.openrtc.voice.ConversationOptions.HandoffHistory.KEEP)).build();

    private final LiveKitServer server;
    private final String agentName;
    private final AgentPool pool;
    private final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();

    ConversationPool(LiveKitServer server, String speechUrl, String chatUrl, String agentName, VoiceOptions options,
            PoolOptions poolOptions) {
        this.server = server;
        this.agentName = agentName;
        VoiceProviders speech = SpeechModels.providers(speechUrl);
        VoiceProviders providers = new VoiceProviders(speech.stt(), speech.tts(), SpeechModels.chat(chatUrl));
        VoiceSetup setup = new VoiceSetup() {
            @Override
            public VoiceOptions options(String agent) {
                return options;
            }

            @Override
            public VoiceProviders providers(String agent) {
                return providers;
            }

            @Override
            public List<AgentTool> tools(String agent, Agent instance) {
                return SpringAiTool.fromToolMethods(instance);
            }
        };
        this.pool = AgentPool.builder().add("restaurant", new ConversationAgents.Restaurant())
                .add("dental", new ConversationAgents.Dental()).voice(setup)
                .livekit(server.url(), server.apiKey(), server.apiSecret()).agentName(agentName).poolOptions(poolOptions)
                .listener(events::add).build();
        pool.start();
    }

    /** Dispatches the worker into a new room with {@code metadata} (which names the agent); returns the room. */
    String dispatch(String metadata) throws Exception {
        return Dispatches.dispatchUntilAccepted(server, agentName, metadata, r -> accepted(r) != null);
    }

    String agentIdentity(String room) {
        return "agent-" + accepted(room).job().jobId();
    }

    List<OpenRtcEvent.SessionEnded> endedSessions() {
        return PoolEvents.ended(events);
    }

    private OpenRtcEvent.JobAccepted accepted(String room) {
        return PoolEvents.accepted(events, room);
    }

    @Override
    public void close() {
        pool.close();
    }
}
