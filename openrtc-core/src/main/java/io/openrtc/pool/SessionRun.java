package io.openrtc.pool;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.SessionMdc;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link SessionBody} on the current thread and says how it ended. The one place that
 * turns a body's return or throw into a {@link SessionOutcome}, shared by both isolation modes
 * so they agree.
 */
final class SessionRun {

    private static final Logger log = LoggerFactory.getLogger(SessionRun.class);

    private SessionRun() {
    }

    /**
     * Runs {@code body} to its end. Anything it throws, {@link Error}s included, becomes
     * {@link SessionOutcome.Failed}; once the session was cancelled, however it ends it is
     * {@link SessionOutcome.Cancelled} (the teardown is the pool's doing, not a fault).
     */
    static SessionOutcome run(SessionBody body, SessionRequest request, RunControl control, Instant startedAt) {
        Throwable[] failure = {null};
        if (!control.isCancelled()) {
            // The session's log context: its own thread, and every thread it starts, carries it.
            SessionMdc.runWith(SessionMdc.of(request.job().jobId(), request.agentName(), request.tenant()), () -> {
                try {
                    body.run(request, control);
                } catch (Throwable t) { // one session's error, even an Error, must not escape to its siblings
                    failure[0] = t;
                }
            });
        }
        return outcome(request, control, startedAt, failure[0]);
    }

    private static SessionOutcome outcome(SessionRequest request, RunControl control, Instant startedAt, Throwable failure) {
        Instant endedAt = Instant.now();
        Optional<String> cancelled = control.cancelReason();
        if (cancelled.isPresent()) {
            if (failure != null) {
                log.debug("Session {} threw while being cancelled", request.job().jobId(), failure);
            }
            return new SessionOutcome.Cancelled(cancelled.get(), startedAt, endedAt);
        }
        if (failure != null) {
            return new SessionOutcome.Failed(failure, startedAt, endedAt);
        }
        return new SessionOutcome.Success(startedAt, endedAt);
    }
}
