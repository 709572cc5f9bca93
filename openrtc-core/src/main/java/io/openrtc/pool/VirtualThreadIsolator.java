package io.openrtc.pool;

import io.openrtc.agent.SessionOutcome;
import java.time.Instant;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coroutine isolation: each session on its own virtual thread in this JVM. A session that ignores
 * its cancel past {@code openrtc.cancel-grace} cannot be killed: it is abandoned (see
 * {@link SessionControl#onAbandon}) and counted against capacity until its thread ends.
 */
final class VirtualThreadIsolator implements Isolator {

    private static final Logger log = LoggerFactory.getLogger(VirtualThreadIsolator.class);

    private final SessionBody body;
    private final SharedResources resources;

    VirtualThreadIsolator(SessionBody body, SharedResources resources) {
        this.body = body;
        this.resources = resources;
    }

    @Override
    public void launch(PooledSession session) {
        SessionRequest request = session.request();
        RunControl control = new RunControl(resources, session::markRunning, session::measured, session::ending);
        Thread thread = Thread.ofVirtual().name(request.threadName()).unstarted(() -> {
            try {
                session.settle(SessionRun.run(body, request, control, session.startedAt()));
            } finally {
                session.threadEnded();
            }
        });
        session.attach(new Stopper() {
            @Override
            public void requestStop(String reason) {
                control.cancel(reason);
                thread.interrupt();
            }

            @Override
            public void forceStop(String reason) {
                // A virtual thread cannot be killed. The session is given up: what the body
                // registered for it (its room) is released from outside, it keeps its slot until
                // its thread really ends, and its outcome is settled so that the worker and a
                // drain can go on.
                if (!session.abandon()) {
                    return; // it ended just now
                }
                log.warn("Session {} (agent {}) ignored the interrupt for openrtc.cancel-grace; it is abandoned: its "
                        + "room is closed from outside and it keeps a slot until its thread, still running, ends. "
                        + "The thread is at:\n  {}", request.job().jobId(), request.agentName(),
                        Arrays.stream(thread.getStackTrace()).map(String::valueOf).collect(Collectors.joining("\n  ")));
                control.abandon();
                session.settle(new SessionOutcome.Cancelled(reason + " (the session did not stop within "
                        + "openrtc.cancel-grace and was abandoned)", session.startedAt(), Instant.now()));
            }
        });
        thread.start();
    }

    @Override
    public void stopPreparing() {
    }

    @Override
    public int idleCount() {
        return 0;
    }

    @Override
    public void close() {
    }
}
