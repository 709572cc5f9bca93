package io.openrtc.sample;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;

/** Takes restaurant reservations. */
@AgentConfig(name = "restaurant", greeting = "Welcome to reservations. How many guests, and when?")
public class RestaurantAgent implements Agent {

    private static final Logger log = LoggerFactory.getLogger(RestaurantAgent.class);

    private final Duration sessionLength;

    RestaurantAgent(@Value("${sample.session-length:5s}") Duration sessionLength) {
        this.sessionLength = sessionLength;
    }

    @Override
    public void run(AgentSession session) throws InterruptedException {
        log.info("restaurant agent serving job {} in room '{}' (metadata: {})",
                session.job().jobId(), session.roomName(), session.metadata());
        Thread.sleep(sessionLength);
        log.info("restaurant agent done with job {}", session.job().jobId());
    }
}
