package io.openrtc.runtime;

import io.openrtc.test.LiveKitServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Many dispatches at one moment against the real server: the rooms are created first (with an
 * empty timeout long enough to outlive the test), then every dispatch is fired at once, each
 * from its own thread, so LiveKit offers the jobs side by side.
 */
final class SimultaneousDispatches {

    private SimultaneousDispatches() {
    }

    /** Creates {@code count} fresh rooms named {@code prefix-<i>-<unique>} and returns their names. */
    static List<String> createRooms(LiveKitServer server, String prefix, int count, int emptyTimeoutSeconds)
            throws Exception {
        List<String> rooms = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String room = prefix + "-" + i + "-" + Long.toHexString(System.nanoTime());
            server.roomService().createRoom(room, emptyTimeoutSeconds).execute();
            rooms.add(room);
        }
        return rooms;
    }

    /** Dispatches {@code agentName} into every room at once; returns when all requests are answered. */
    static void fire(LiveKitServer server, String agentName, List<String> rooms) throws InterruptedException {
        List<Thread> firing = new ArrayList<>();
        for (String room : rooms) {
            firing.add(Thread.ofVirtual().start(() -> {
                try {
                    server.agentDispatch().createDispatch(room, agentName, "").execute();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : firing) {
            t.join(Duration.ofSeconds(60));
        }
    }
}
