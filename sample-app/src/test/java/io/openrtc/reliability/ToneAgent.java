package io.openrtc.reliability;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.rtc.LocalAudioTrack;
import io.openrtc.test.Tones;

/**
 * An agent with real audio: it publishes a steady {@link #HZ} tone, which its caller measures,
 * until {@code afterDrainMs} (from the job's metadata) after the worker's drain began.
 */
@AgentConfig(name = "tone")
final class ToneAgent implements Agent {

    static final double HZ = 880;
    private static final int RATE = 48_000;
    private static final int FRAME = 960;

    private final DrainClock clock;

    ToneAgent(DrainClock clock) {
        this.clock = clock;
    }

    @Override
    public void run(AgentSession session) throws Exception {
        var after = DrainClock.afterDrain(session.metadata());
        LocalAudioTrack voice = session.room().publishAudio("agent-voice");
        long position = 0;
        // The write is paced by the track: one 20 ms frame at a time.
        while (!session.isEnding() && !clock.passed(after)) {
            voice.write(Tones.sine(HZ, RATE, position, FRAME), RATE, 1);
            position += FRAME;
        }
    }
}
