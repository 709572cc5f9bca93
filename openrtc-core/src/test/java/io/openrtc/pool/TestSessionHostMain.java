package io.openrtc.pool;

/** The child JVM's main class in process-isolation tests: serves a {@link ScriptedBody}. */
public final class TestSessionHostMain {

    private TestSessionHostMain() {
    }

    public static void main(String[] args) {
        if (!SessionHost.isSessionHost()) {
            throw new IllegalStateException("TestSessionHostMain only runs as a session host");
        }
        SessionHost.serve(new ScriptedBody(), ScriptedBody.PREWARM);
    }
}
