package io.openrtc.runtime;

import io.openrtc.pool.PoolOptions;

/**
 * A plain-Java worker JVM for {@link AgentPoolLifecycleTest}: its memory limit is far below what
 * any JVM uses, so it declares itself broken as soon as it has started, drains and stops. Prints
 * {@code RUN_RETURNED} once {@link AgentPool#run()} has returned, then simply returns from
 * {@code main}: the JVM must exit on its own. The server and its keys come from the environment.
 */
public final class SelfStoppingWorkerMain {

    static final String RUN_RETURNED = "RUN_RETURNED";

    private SelfStoppingWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        System.gc(); // so that "heap after GC", part of what the memory watch reads, is measured at once
        AgentPool.builder()
                .livekit(System.getenv("LIVEKIT_URL"), System.getenv("LIVEKIT_API_KEY"), System.getenv("LIVEKIT_API_SECRET"))
                .agentName("self-stopping")
                .add("idle", session -> {
                })
                .poolOptions(PoolOptions.builder().memoryLimitBytes(1024 * 1024).drainTimeout(java.time.Duration.ofSeconds(5))
                        .build())
                .build()
                .run();
        System.out.println(RUN_RETURNED);
        System.out.flush();
    }
}
