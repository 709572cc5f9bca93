package io.openrtc.pool;

/** How an isolation mode stops one of its sessions. */
interface Stopper {

    /** Asks the session to stop: interrupt its thread, or tell its child JVM. Idempotent. */
    void requestStop(String reason);

    /**
     * The session did not stop within {@code openrtc.cancel-grace}: give it up (kill the child,
     * abandon the thread) and end it as cancelled.
     */
    void forceStop(String reason);
}
