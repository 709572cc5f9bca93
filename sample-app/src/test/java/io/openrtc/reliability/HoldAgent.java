package io.openrtc.reliability;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;

/**
 * A stub agent that keeps its room (the session has joined it) and does nothing else, until
 * {@code afterDrainMs} (from the job's metadata) after the worker's drain began.
 */
@AgentConfig(name = "hold")
final class HoldAgent implements Agent {

    private final DrainClock clock;

    HoldAgent(DrainClock clock) {
        this.clock = clock;
    }

    @Override
    public void run(AgentSession session) throws Exception {
        clock.awaitDrainPlus(DrainClock.afterDrain(session.metadata()));
    }
}
