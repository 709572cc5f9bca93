package io.openrtc.spring.actuate;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An agent of the tests that run a Boot worker against a real server: holds its session until the
 * test counts {@link #release} down (at most 60 s), or the session is cancelled. Tests of one JVM
 * run one after the other; each sets a fresh latch first.
 */
@AgentConfig(name = "holder")
public class HolderAgent implements Agent {

    /** Counted down to let every held session end. */
    public static volatile CountDownLatch release = new CountDownLatch(1);

    @Override
    public void run(AgentSession session) throws InterruptedException {
        release.await(60, TimeUnit.SECONDS);
    }
}
