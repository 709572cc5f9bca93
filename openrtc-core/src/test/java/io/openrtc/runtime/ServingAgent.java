package io.openrtc.runtime;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentSession;
import io.openrtc.rtc.LocalAudioTrack;
import io.openrtc.rtc.MessageStream;
import io.openrtc.rtc.Room;
import io.openrtc.rtc.TextMessage;
import io.openrtc.test.Tones;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The agent of the hostile-participant scenario: it serves its callers the three ways a session
 * can (audio: a steady {@link #TONE_HZ} tone; chat: answers {@code "heard: <text>"} on
 * {@code lk.chat} to every caller whose identity starts with {@code caller}; RPC: {@code ping}
 * answers {@code "pong:<payload>"}) and exposes its room, for the test's counters (coroutine
 * isolation: the same JVM).
 */
final class ServingAgent implements Agent {

    static final double TONE_HZ = 880;

    /** The room of the latest session. */
    final AtomicReference<Room> room = new AtomicReference<>();

    @Override
    public void run(AgentSession session) throws Exception {
        Room r = session.room();
        room.set(r);
        r.registerRpcMethod("ping", invocation -> "pong:" + invocation.payload());
        LocalAudioTrack voice = r.publishAudio("agent-voice");
        Thread speaker = Thread.ofVirtual().name("serving-tone-" + session.job().jobId()).start(() -> {
            long position = 0;
            try {
                while (voice.isPublished()) {
                    voice.write(Tones.sine(TONE_HZ, 48_000, position, 960), 48_000, 1);
                    position += 960;
                }
            } catch (Exception e) {
                // the session is ending
            }
        });
        session.addShutdownCallback(outcome -> speaker.interrupt());
        try (MessageStream<TextMessage> chat = r.chatMessages()) {
            while (!session.isEnding()) {
                TextMessage message = chat.poll(Duration.ofSeconds(1));
                if (message != null && message.senderIdentity().startsWith("caller")) {
                    r.sendChat("heard: " + message.text());
                }
            }
        }
    }
}
