package io.openrtc.observe;

import io.openrtc.agent.SessionOutcome;

/**
 * Start and end callbacks for every session: the convenient form of an {@link OpenRtcListener}
 * that only cares about sessions. Register it like any listener
 * ({@link EventPublisher#addListener}); it is delivered the same way, on the publisher's own
 * thread, so a slow or throwing observer is logged and skipped and never breaks a session.
 */
public interface SessionObserver extends OpenRtcListener {

    /** A session started (its thread or process began). */
    default void sessionStarted(SessionInfo session) {
    }

    /** A session ended with {@code outcome}. */
    default void sessionEnded(SessionInfo session, SessionOutcome outcome) {
    }

    /** Routes session events to the callbacks above and ignores the rest. */
    @Override
    default void onEvent(OpenRtcEvent event) {
        switch (event) {
            case OpenRtcEvent.SessionStarted started -> sessionStarted(started.session());
            case OpenRtcEvent.SessionEnded ended -> sessionEnded(ended.session(), ended.outcome());
            default -> {
            }
        }
    }
}
