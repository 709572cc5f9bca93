package io.openrtc.spring.autoconfigure;

import io.openrtc.runtime.AgentPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Closes the application context once a broken worker (see {@link AgentPool#onBroken}) has
 * drained and closed itself. Such a worker never takes a job again; left open, the application
 * would idle on forever (a web server keeps the JVM alive) with liveness {@code BROKEN} as its
 * only sign. Closed, the process exits and its supervisor (Kubernetes, systemd, Docker) starts a
 * fresh one, whether or not it probes liveness.
 *
 * <p>A drain an operator asks for through the {@code openrtc} endpoint does not close the
 * context: that worker is kept out of rotation on purpose, for inspection.
 */
final class OpenRtcBrokenWorkerShutdown {

    private static final Logger log = LoggerFactory.getLogger(OpenRtcBrokenWorkerShutdown.class);

    OpenRtcBrokenWorkerShutdown(AgentPool agentPool, ConfigurableApplicationContext context) {
        agentPool.onBroken(reason -> agentPool.whenClosed().thenRun(() -> {
            // A thread of its own: closing the context stops the worker's lifecycle, which must not
            // wait on the very thread that is finishing the worker's close.
            Thread.ofPlatform().name("openrtc-broken-shutdown").start(() -> {
                if (context.isActive()) {
                    log.error("The OpenRTC worker is broken ({}) and stopped itself: closing the application context",
                            reason);
                    context.close();
                }
            });
        }));
    }
}
