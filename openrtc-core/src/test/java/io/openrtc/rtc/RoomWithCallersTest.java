package io.openrtc.rtc;

import io.openrtc.test.NodePeer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * A {@link RoomRuntimeTest} with third-party callers: one Node process
 * ({@code openrtc-test/peers/caller.mjs}, LiveKit's {@code @livekit/rtc-node}) for the whole test
 * class, started after the runtime and closed before it.
 */
abstract class RoomWithCallersTest extends RoomRuntimeTest {

    static NodePeer callers;

    @BeforeAll
    static void startCallers() {
        callers = NodePeer.start("caller.mjs");
    }

    @AfterAll
    static void stopCallers() {
        if (callers != null) {
            callers.close();
        }
    }
}
