package io.openrtc.rtc;

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

    @AfterAll
    static void stopRuntime() {
        if (runtime != null) {
            runtime.close();
        }
    }
}
