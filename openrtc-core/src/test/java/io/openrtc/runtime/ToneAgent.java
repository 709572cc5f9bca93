package io.openrtc.runtime;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentSession;
import io.openrtc.rtc.AudioFrame;
import io.openrtc.rtc.AudioFrameStream;
import io.openrtc.rtc.LocalAudioTrack;
import io.openrtc.rtc.RemoteAudioTrack;
import io.openrtc.rtc.Room;
import io.openrtc.test.Tones;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test agent whose behaviour a caller can observe from outside, whatever JVM it runs in: it
 * publishes {@link #GREETING_HZ} until it hears the caller's {@link #CALLER_HZ} tone, then
 * {@link #HEARD_YOU_HZ}, and runs until the room ends.
 */
final class ToneAgent implements Agent {

    static final double CALLER_HZ = 440;
    static final double GREETING_HZ = 880;
    static final double HEARD_YOU_HZ = 660;

    /** What this instance heard (only visible in the JVM that ran the session). */
    final List<Double> heardHz = new CopyOnWriteArrayList<>();
    /** The identities its sessions joined as. */
    final List<String> identities = new CopyOnWriteArrayList<>();

    @Override
    public void run(AgentSession session) throws Exception {
        Room room = session.room();
        identities.add(room.localIdentity());
        LocalAudioTrack voice = room.publishAudio("agent-voice");
        double[] toneHz = {GREETING_HZ};
        Thread speaker = Thread.ofVirtual().name("tone-" + session.job().jobId()).start(() -> {
            long position = 0;
            try {
                while (voice.isPublished()) {
                    voice.write(Tones.sine(toneHz[0], 48_000, position, 960), 48_000, 1);
                    position += 960;
                }
            } catch (Exception e) {
                // the session is ending
            }
        });
        session.addShutdownCallback(outcome -> speaker.interrupt());
        RemoteAudioTrack caller = room.awaitAudioTrack(t -> true, Duration.ofSeconds(30))
                .orElseThrow(() -> new AssertionError("no caller track within 30 s"));
        short[] block = new short[4096];
        int filled = 0;
        try (AudioFrameStream frames = caller.openStream()) {
            AudioFrame frame;
            while (!session.isEnding() && (frame = frames.read()) != null) {
                for (int i = 0; i < frame.samples().length; i += frame.channels()) {
                    block[filled++] = frame.samples()[i];
                    if (filled == block.length) {
                        filled = 0;
                        if (Tones.rms(block) > 500) {
                            double hz = Tones.dominantFrequency(block, frame.sampleRate());
                            heardHz.add(hz);
                            if (Math.abs(hz - CALLER_HZ) < 10) {
                                toneHz[0] = HEARD_YOU_HZ;
                            }
                        }
                    }
                }
            }
        }
    }
}
