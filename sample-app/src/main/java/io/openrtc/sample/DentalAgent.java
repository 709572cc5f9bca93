package io.openrtc.sample;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;

/** Books dental appointments. */
@AgentConfig(name = "dental", greeting = "Thanks for calling the dental office. How can I help?")
public class DentalAgent implements Agent {

    private static final Logger log = LoggerFactory.getLogger(DentalAgent.class);

    private final Duration sessionLength;

    DentalAgent(@Value("${sample.session-length:5s}") Duration sessionLength) {
        this.sessionLength = sessionLength;
    }

    @Override
    public void run(AgentSession session) throws InterruptedException {
        log.info("dental agent serving job {} in room '{}' (metadata: {})",
                session.job().jobId(), session.roomName(), session.metadata());
        Thread.sleep(sessionLength);
        log.info("dental agent done with job {}", session.job().jobId());
    }
}
