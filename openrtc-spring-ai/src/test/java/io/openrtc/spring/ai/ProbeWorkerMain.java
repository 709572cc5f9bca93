package io.openrtc.spring.ai;

import io.openrtc.runtime.AgentPool;
import io.openrtc.runtime.AgentPoolBuilder;
import io.openrtc.voice.VoiceOptions;

/**
 * The main class of the child JVMs in process isolation: like any application, it builds the same
 * agents with the same voice and calls {@link AgentPool#run()}, which in a child serves the one
 * session the parent hands over. The speech server's URL comes as {@code -Dprobe.speech-url}.
 */
public final class ProbeWorkerMain {

    static final String SPEECH_URL_PROPERTY = "probe.speech-url";

    private ProbeWorkerMain() {
    }

    static AgentPoolBuilder agents(String speechUrl) {
        return agents(speechUrl, VoiceOptions.DEFAULTS);
    }

    static AgentPoolBuilder agents(String speechUrl, VoiceOptions voice) {
        return AgentPool.builder().add("probe", new ProbeAgent()).voice(SpeechModels.setup(speechUrl, voice));
    }

    public static void main(String[] args) throws Exception {
        agents(System.getProperty(SPEECH_URL_PROPERTY)).build().run();
    }
}
