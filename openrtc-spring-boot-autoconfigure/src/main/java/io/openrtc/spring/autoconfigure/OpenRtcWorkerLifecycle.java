package io.openrtc.spring.autoconfigure;

import io.openrtc.runtime.AgentPool;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the OpenRTC worker with the application context: starts it once the context is refreshed
 * (failing startup on wrong settings), and on shutdown drains it before the web server stops, so
 * health and metrics stay reachable while running calls finish.
 */
public class OpenRtcWorkerLifecycle implements SmartLifecycle {

    /**
     * Stops before the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}) and starts
     * after it is up.
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

    private static final Logger log = LoggerFactory.getLogger(OpenRtcWorkerLifecycle.class);

    private final AgentPool agentPool;
    private final Duration drainTimeout;
    private volatile boolean running;

    /**
     * @param agentPool    the runtime this lifecycle starts, and drains and closes on stop
     * @param drainTimeout {@code openrtc.drain-timeout}
     */
    public OpenRtcWorkerLifecycle(AgentPool agentPool, Duration drainTimeout) {
        this.agentPool = Objects.requireNonNull(agentPool, "agentPool");
        this.drainTimeout = Objects.requireNonNull(drainTimeout, "drainTimeout");
    }

    @Override
    public void start() {
        agentPool.start();
        running = true;
        // The worker's own threads are daemons: Spring Boot's keep-alive thread holds the JVM
        // (spring.main.keep-alive, on by default in a worker: OpenRtcKeepAliveDefault).
    }

    @Override
    public void stop() {
        agentPool.drain("application shutdown", drainTimeout).toCompletableFuture().join();
        agentPool.close();
        running = false;
    }

    @Override
    public void stop(Runnable callback) {
        agentPool.drain("application shutdown", drainTimeout).whenComplete((summary, error) -> {
            if (error != null) {
                log.warn("The OpenRTC drain failed", error);
            }
            agentPool.close();
            running = false;
                callback.run();
        });
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
