package io.openrtc.sample;

import io.openrtc.agent.AgentSession;
import io.openrtc.voice.VoiceAgent;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the sample's voice agents share: the framework runs the conversation; a session lasts as
 * long as the room does, or {@code sample.session-length} when set (demos and the SIGTERM test).
 */
abstract class SampleVoiceAgent implements VoiceAgent {

    private static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("sample-session-length").daemon(true).factory());

    private final Logger log = LoggerFactory.getLogger(getClass());
    private final Duration sessionLength;

    /** @param sessionLength how long a session lasts; zero for as long as the room does */
    SampleVoiceAgent(Duration sessionLength) {
        this.sessionLength = sessionLength;
    }

    @Override
    public void run(AgentSession session) throws Exception {
        log.info("{} agent serving job {} in room '{}' (metadata: {})", session.agentName(), session.job().jobId(),
                session.roomName(), session.metadata());
        if (!sessionLength.isZero()) {
            TIMERS.schedule(session::end, sessionLength.toMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            session.voice().converse(this);
        } finally {
            log.info("{} agent done with job {}", session.agentName(), session.job().jobId());
        }
    }
}
