package io.openrtc.rtc;

import io.openrtc.test.LiveKitServer;
import io.openrtc.test.TestTokens;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** What the real-server room tests share: one prewarmed {@link RtcRuntime} for the whole test class. */
abstract class RoomRuntimeTest {

    /** The longest a test waits for something a real server and a real peer should do. */
    static final Duration WAIT = Duration.ofSeconds(20);

    static RtcRuntime runtime;

    @BeforeAll
    static void startRuntime() {
        runtime = RtcRuntime.create(RtcRuntimeOptions.defaults()).prewarm();
    }

    /** Joins {@code roomName} on the test server as agent participant {@code identity}. */
    static Room joinAsAgent(LiveKitServer server, String roomName, String identity, RoomOptions options)
            throws RoomJoinException, InterruptedException {
        return Room.connect(runtime, server.url(), TestTokens.agent(server, roomName, identity), options);
    }

    /** {@link #joinAsAgent(LiveKitServer, String, String, RoomOptions)} with the default options. */
    static Room joinAsAgent(LiveKitServer server, String roomName, String identity)
            throws RoomJoinException, InterruptedException {
        return joinAsAgent(server, roomName, identity, RoomOptions.defaults());
    }

    @AfterAll
    static void stopRuntime() {
        if (runtime != null) {
            runtime.close();
        }
    }
}
