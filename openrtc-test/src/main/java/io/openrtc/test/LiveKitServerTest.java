package io.openrtc.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a real, running LiveKit server.
 *
 * <p>The server is started once per test class and injected as a {@link LiveKitServer}
 * parameter into constructors, lifecycle methods and test methods. Where it comes from is
 * decided by {@link LiveKitServerBackends}: an external server named by {@code LIVEKIT_URL},
 * {@code LIVEKIT_API_KEY} and {@code LIVEKIT_API_SECRET}; else the local livekit-server binary
 * installed by {@code scripts/livekit-server.sh install}; else a Testcontainers container when
 * Docker runs. When none is available the test fails; it is never skipped.
 *
 * <pre>{@code
 * @LiveKitServerTest
 * class RoomsTest {
 *     @Test
 *     void createsARoom(LiveKitServer server) throws Exception {
 *         server.roomService().createRoom("r1").execute();
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(LiveKitServerExtension.class)
public @interface LiveKitServerTest {

    /**
     * Whether the test needs to restart the server ({@link LiveKitServer#restart()}). An external
     * server cannot be restarted, so such a class skips that backend and uses the local binary
     * or a container.
     */
    boolean restartable() default false;

    /**
     * The network the server runs in: {@code ""}, the shared test namespace every test uses; or
     * the name of one of its own ({@link TestNetwork#NETLOSS}, {@code "netloss"}), whose link a
     * test may cut with {@link LiveKitServer#cutNetwork()} without disturbing the others. A server
     * of its own network is always the local binary, in netns mode.
     */
    String network() default "";
}
