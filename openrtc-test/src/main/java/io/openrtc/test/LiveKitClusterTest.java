package io.openrtc.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a real LiveKit cluster: Redis, {@link #nodes()} livekit-server nodes sharing
 * it and HAProxy in front, started by {@code scripts/livekit-cluster.sh} in the network namespace
 * {@code openrtc-cluster} (the sibling of {@link LiveKitServerTest}, which gives one server).
 *
 * <p>The cluster is started once per test class and injected as a {@link LiveKitCluster}
 * parameter into constructors, lifecycle methods and test methods; it is stopped, and its
 * namespace removed, when the class finishes. It needs root, {@code redis-server} and
 * {@code haproxy}; when it cannot start, the test fails naming what is missing (never skipped).
 * One cluster runs at a time on a machine (its addresses are fixed), so cluster classes must not
 * run in parallel.
 *
 * <pre>{@code
 * @LiveKitClusterTest
 * class SpreadTest {
 *     @Test
 *     void roomsLandOnEveryNode(LiveKitCluster cluster) throws Exception {
 *         cluster.createRoomOn(2, "r1");
 *         assertThat(cluster.nodeOfRoom("r1")).hasValue(2);
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(LiveKitClusterExtension.class)
public @interface LiveKitClusterTest {

    /** How many livekit-server nodes (1 to 3). */
    int nodes() default 3;
}
