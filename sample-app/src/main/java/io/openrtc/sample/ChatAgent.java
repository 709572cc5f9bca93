package io.openrtc.sample;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentSession;
import io.openrtc.rtc.AgentState;
import io.openrtc.rtc.MessageStream;
import io.openrtc.rtc.Room;
import io.openrtc.rtc.TextMessage;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shape the sample's desk agents share: greet in the chat, then answer every chat message
 * until the caller leaves (or {@code sample.session-length} is over), showing LiveKit's agent UIs
 * when it listens and when it thinks.
 */
abstract class ChatAgent implements Agent {

    private final Logger log = LoggerFactory.getLogger(getClass());
    private final Duration sessionLength;

    /** @param sessionLength how long a session lasts; zero for as long as the room does */
    ChatAgent(Duration sessionLength) {
        this.sessionLength = sessionLength;
    }

    /** The answer to one chat message. */
    abstract String answer(String message);

    @Override
    public void run(AgentSession session) throws Exception {
        Room room = session.room();
        log.info("{} agent serving job {} in room '{}' (metadata: {})", session.agentName(), session.job().jobId(),
                room.name(), session.metadata());
        Instant end = sessionLength.isZero() ? Instant.MAX : Instant.now().plus(sessionLength);
        try (MessageStream<TextMessage> chat = room.chatMessages()) {
            if (!session.settings().greeting().isEmpty()) {
                room.sendChat(session.settings().greeting());
            }
            room.setAgentState(AgentState.LISTENING);
            TextMessage message;
            while ((message = chat.poll(remaining(end))) != null) {
                room.setAgentState(AgentState.THINKING);
                room.sendChat(answer(message.text()));
                room.setAgentState(AgentState.LISTENING);
            }
        }
        log.info("{} agent done with job {}", session.agentName(), session.job().jobId());
    }

    private static Duration remaining(Instant end) {
        if (end.equals(Instant.MAX)) {
            return Duration.ofDays(1);
        }
        Duration left = Duration.between(Instant.now(), end);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
