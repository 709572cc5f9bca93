package io.openrtc.runtime;

import io.openrtc.agent.AgentSession;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The agents of the reliability scenarios: the well-behaved {@link ToneAgent} next to agents that
 * misbehave on purpose, each in one way an agent's own code can. The same registrations serve the
 * worker JVM (coroutine isolation) and the child JVMs of process isolation ({@link FaultyWorkerMain}).
 */
final class FaultyAgents {

    /** The message of the agent that throws, so that tests can tell its failure from any other. */
    static final String THROWN = "the faulty agent throws on purpose";
    /** The exit status of the agent that ends its JVM. */
    static final int EXIT_STATUS = 42;

    private final CountDownLatch release;

    /**
     * @param release lets the agents that ignore interrupts end at last (a test counts it down when
     *                it is done, so that no thread of it outlives the test JVM's other tests)
     */
    FaultyAgents(CountDownLatch release) {
        this.release = release;
    }

    AgentPoolBuilder agents() {
        return AgentPool.builder()
                .add("tone", new ToneAgent())
                .add("throws", session -> {
                    throw new IllegalStateException(THROWN);
                })
                .add("hangs", this::hang)
                .add("spins", this::spin)
                .add("allocates", FaultyAgents::allocate)
                .add("exits", session -> System.exit(EXIT_STATUS));
    }

    /** Waits for the release and swallows every interrupt: neither the room closing nor a cancel ends it. */
    private void hang(AgentSession session) {
        while (release.getCount() > 0) {
            try {
                release.await();
            } catch (InterruptedException ignored) {
                // a misbehaving agent: it swallows its interrupt and goes on
            }
        }
    }

    /** Keeps one core busy (its carrier thread, in coroutine isolation) until the release, deaf to interrupts. */
    private void spin(AgentSession session) {
        long spins = 0;
        while (release.getCount() > 0) {
            spins++;
        }
        if (spins < 0) {
            throw new AssertionError("unreachable: keeps the loop from being optimised away");
        }
    }

    /**
     * Holds ever more heap, 4 MiB at a time (paced so that the pool's memory watch, four readings a
     * second, sees it grow), until the JVM's bounds stop it: its {@code -Xmx} (an
     * {@link OutOfMemoryError}) or the pool's memory limit (the child killed). Only for process
     * isolation: in the worker's own heap nothing would bound it but the whole worker.
     */
    private static void allocate(AgentSession session) throws InterruptedException {
        List<byte[]> held = new ArrayList<>();
        while (true) {
            byte[] block = new byte[4 << 20];
            for (int i = 0; i < block.length; i += 4096) {
                block[i] = 1; // touched: resident, not just reserved
            }
            held.add(block);
            Thread.sleep(5);
        }
    }
}
