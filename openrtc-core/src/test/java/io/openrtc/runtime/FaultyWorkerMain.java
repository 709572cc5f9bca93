package io.openrtc.runtime;

import java.util.concurrent.CountDownLatch;

/**
 * The main class of the child JVMs in the process-isolation scenarios ({@link AgentFaultsScenarioTest},
 * {@link ChildKillScenarioTest}): it builds the same agents as the parent and runs the one session
 * handed over.
 */
public final class FaultyWorkerMain {

    private FaultyWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        new FaultyAgents(new CountDownLatch(1)).agents().build().run();
    }
}
