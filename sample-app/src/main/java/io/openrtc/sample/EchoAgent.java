package io.openrtc.sample;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.rtc.AudioFrame;
import io.openrtc.rtc.AudioFrameStream;
import io.openrtc.rtc.LocalAudioTrack;
import io.openrtc.rtc.RemoteAudioTrack;
import io.openrtc.rtc.Room;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;

/** Speaks back what it hears, a little later: the smallest agent that uses audio both ways. */
@AgentConfig(name = "echo", description = "Repeats the caller's audio after a delay")
public class EchoAgent implements Agent {

    private static final Logger log = LoggerFactory.getLogger(EchoAgent.class);

    private final Duration delay;

    EchoAgent(@Value("${sample.echo.delay:500ms}") Duration delay) {
        this.delay = delay;
    }

    @Override
    public void run(AgentSession session) throws Exception {
        Room room = session.room();
        LocalAudioTrack voice = room.publishAudio("agent-voice");
        // An RPC method, for the playground's RPC box: how late the echo comes back.
        room.registerRpcMethod("get_delay", call -> delay.toMillis() + " ms");
        Optional<RemoteAudioTrack> caller = room.awaitAudioTrack(track -> true, Duration.ofMinutes(1));
        if (caller.isEmpty()) {
            log.info("echo: nobody spoke in room '{}' within a minute; leaving", room.name());
            return;
        }
        log.info("echo: repeating {} in room '{}' after {} ms", caller.get().participantIdentity(), room.name(), delay.toMillis());
        int delayFrames = (int) (delay.toMillis() / 10);
        ArrayDeque<AudioFrame> line = new ArrayDeque<>();
        try (AudioFrameStream frames = caller.get().openStream()) {
            AudioFrame frame;
            // Each frame read is 10 ms of real time; writing the one from delayFrames ago keeps the delay.
            while ((frame = frames.read()) != null) {
                line.addLast(frame);
                if (line.size() > delayFrames) {
                    AudioFrame old = line.removeFirst();
                    voice.write(old.samples(), old.sampleRate(), old.channels());
                }
            }
        }
        log.info("echo: the caller's track ended in room '{}'", room.name());
    }
}
