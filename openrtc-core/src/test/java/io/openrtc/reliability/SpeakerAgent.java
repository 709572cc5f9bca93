package io.openrtc.reliability;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentSession;
import io.openrtc.rtc.LocalAudioTrack;
import io.openrtc.test.Tones;

/**
 * An agent whose audio its caller can measure: it publishes a steady {@link #HZ} tone, paced by
 * the track, until its room ends (deleted: a success; lost: the session fails with the room's
 * close reason).
 */
final class SpeakerAgent implements Agent {

    static final double HZ = 880;
    private static final int RATE = 48_000;
    private static final int FRAME = 960;

    @Override
    public void run(AgentSession session) throws Exception {
        LocalAudioTrack voice = session.room().publishAudio("agent-voice");
        long position = 0;
        while (!session.isEnding()) {
            voice.write(Tones.sine(HZ, RATE, position, FRAME), RATE, 1);
            position += FRAME;
        }
    }
}
