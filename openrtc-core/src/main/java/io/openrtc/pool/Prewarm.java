package io.openrtc.pool;

/**
 * Creates the expensive things every session of a JVM shares (the WebRTC factory, loaded
 * models, HTTP clients), once per JVM that runs sessions, before its first session: in
 * coroutine mode when the pool starts, in process mode in every child before it reports ready,
 * so a prewarmed child really is warm.
 */
@FunctionalInterface
public interface Prewarm {

    /** Nothing to prepare. */
    Prewarm NONE = resources -> {
    };

    /**
     * Puts the shared resources into {@code resources}.
     *
     * @throws Exception the pool does not start (coroutine mode) or the child never becomes ready
     */
    void prewarm(SharedResources resources) throws Exception;
}
