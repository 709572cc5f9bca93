package io.openrtc.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import livekit.LivekitModels;
import org.junit.jupiter.api.Test;

/**
 * The cluster fixture itself: rooms placed on each node through the balancer, visible on all of
 * them; a killed node leaves the balancer and comes back; Redis restarted empty is refilled by
 * the nodes.
 */
@LiveKitClusterTest
class LiveKitClusterSmokeTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void roomsGoWhereTheyAreAskedAndEveryNodeSeesThem(LiveKitCluster cluster) throws Exception {
        assertThat(cluster.nodes()).hasSize(3);
        await().atMost(WAIT).until(() -> cluster.registeredNodes().size() == 3);
        assertThat(cluster.registeredNodes().values()).containsExactlyInAnyOrder("198.19.0.11", "198.19.0.12", "198.19.0.13");

        String prefix = "smoke-" + UUID.randomUUID().toString().substring(0, 6);
        for (LiveKitCluster.Node node : cluster.nodes()) {
            cluster.createRoomOn(node.index(), prefix + "-" + node.index());
        }
        for (LiveKitCluster.Node node : cluster.nodes()) {
            assertThat(cluster.nodeOfRoom(prefix + "-" + node.index())).hasValue(node.index());
        }
        List<LivekitModels.Room> listed = cluster.roomService()
                .listRooms(List.of(prefix + "-1", prefix + "-2", prefix + "-3")).execute().body();
        assertThat(listed).extracting(LivekitModels.Room::getName).hasSize(3);
    }

    @Test
    void aKilledNodeLeavesTheBalancerAndComesBack(LiveKitCluster cluster) throws Exception {
        String before = cluster.nodeId(2).orElseThrow();
        cluster.killNode(2);
        // Every call through the balancer still answers once its health check has taken node 2 out.
        await().atMost(WAIT).untilAsserted(() -> {
            for (int i = 0; i < 6; i++) {
                assertThat(cluster.roomService().listRooms(List.of()).execute().isSuccessful()).isTrue();
            }
        });
        cluster.startNode(2);
        assertThat(cluster.nodeId(2)).get().isNotEqualTo(before);
        await().atMost(WAIT).until(() -> cluster.registeredNodes().containsKey(cluster.nodeId(2).orElseThrow()));
    }

    @Test
    void redisRestartedEmptyIsRefilledByTheNodes(LiveKitCluster cluster) throws Exception {
        cluster.restartRedis();
        assertThat(cluster.redisUp()).isTrue();
        await().atMost(WAIT).until(() -> cluster.registeredNodes().values().stream().distinct().count() == 3);
    }
}
