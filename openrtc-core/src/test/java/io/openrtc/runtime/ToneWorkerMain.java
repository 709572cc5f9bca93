package io.openrtc.runtime;

/**
 * The main class of the child JVMs in {@link AgentPoolIsolationParityTest}: like any application
 * using process isolation, it builds the same agents and calls {@link AgentPool#run()}, which in a
 * child serves the one session the parent hands over.
 */
public final class ToneWorkerMain {

    private ToneWorkerMain() {
    }

    static AgentPoolBuilder agents() {
        return AgentPool.builder().add("tone", new ToneAgent());
    }

    public static void main(String[] args) throws Exception {
        agents().build().run();
    }
}
