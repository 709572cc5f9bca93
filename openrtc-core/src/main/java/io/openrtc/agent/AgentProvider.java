package io.openrtc.agent;

import java.util.Objects;
import java.util.function.Supplier;

/** Gives the {@link Agent} instance that serves one session. */
@FunctionalInterface
public interface AgentProvider {

    /** The agent for the session of {@code job}. Called on the session's thread. */
    Agent agentFor(JobInfo job);

    /** Every session shares {@code agent}. */
    static AgentProvider singleton(Agent agent) {
        Objects.requireNonNull(agent, "agent");
        return job -> agent;
    }

    /** Every session gets a new instance from {@code factory}. */
    static AgentProvider perSession(Supplier<? extends Agent> factory) {
        Objects.requireNonNull(factory, "factory");
        return job -> factory.get();
    }
}
