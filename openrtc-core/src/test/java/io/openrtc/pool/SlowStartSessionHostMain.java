package io.openrtc.pool;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A child main whose prewarm loads something big and slow (a model, say): about 64 MiB more
 * resident memory, held for a few seconds before the child says it is ready, so the pool's
 * resident-memory watch sees a child over a low limit before it is ready.
 */
public final class SlowStartSessionHostMain {

    /** What the prewarm holds on to. */
    private static final List<Object> MODEL = new ArrayList<>();

    private SlowStartSessionHostMain() {
    }

    public static void main(String[] args) {
        if (!SessionHost.isSessionHost()) {
            throw new IllegalStateException("SlowStartSessionHostMain only runs as a session host");
        }
        SessionHost.serve(new ScriptedBody(), resources -> {
            ScriptedBody.PREWARM.prewarm(resources);
            for (int i = 0; i < 40; i++) {
                ByteBuffer mb = ByteBuffer.allocateDirect(1024 * 1024);
                for (int j = 0; j < mb.capacity(); j += 4096) {
                    mb.put(j, (byte) 1);
                }
                MODEL.add(mb);
            }
            for (int i = 0; i < 24 * 4; i++) {
                byte[] piece = new byte[256 * 1024];
                for (int j = 0; j < piece.length; j += 4096) {
                    piece[j] = 1;
                }
                MODEL.add(piece);
            }
            Thread.sleep(5_000);
        });
    }
}
