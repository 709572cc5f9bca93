package io.openrtc.pool;

/** An isolation mode: where and how sessions run. */
interface Isolator extends AutoCloseable {

    /**
     * Starts {@code session}; returns at once. Never throws: a session that cannot start is
     * settled as failed. Attaches a {@link Stopper} to the session.
     */
    void launch(PooledSession session);

    /** No new sessions will come (drain): stop preparing for them, free what waits idle. */
    void stopPreparing();

    /** Prewarmed workers ready to take a session (child JVMs); 0 when not applicable. */
    int idleCount();

    /** Releases everything; sessions should have ended (drain first). */
    @Override
    void close();
}
