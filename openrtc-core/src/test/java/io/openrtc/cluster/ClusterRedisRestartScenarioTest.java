package io.openrtc.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.cluster.ClusterWorkers.Worker;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitCluster;
import io.openrtc.test.LiveKitClusterTest;
import io.openrtc.test.ScenarioReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Scenario 3 of issue 22: Redis is restarted (stopped, started again empty: nothing is persisted,
 * as a Redis without replicas or persistence comes back) while calls run on every node. What
 * LiveKit does (its nodes refill the node registry; the room-to-node map stays empty for the
 * rooms that existed) and what the workers do (their websockets are to the nodes, not to Redis),
 * and that nothing is stuck: the calls end, new dispatches run on every node.
 */
@LiveKitClusterTest
class ClusterRedisRestartScenarioTest {

    private static final long HOLD_MS = 12_000;

    @Test
    void afterARedisRestartCallsGoOnAndNewDispatchesRun(LiveKitCluster cluster) throws Exception {
        try (ClusterWorkers workers = new ClusterWorkers(cluster); ScenarioReport report = ScenarioReport.start("cluster-redis-restart")) {
            List<Worker> all = List.of(workers.start("w1", 6), workers.start("w2", 6), workers.start("w3", 6));
            for (LiveKitCluster.Node node : cluster.nodes()) {
                Dispatches.untilAccepted("warm" + node.index(), room -> {
                    cluster.createRoomOn(node.index(), room);
                    cluster.agentDispatch().createDispatch(room, ClusterWorkerMain.AGENT, "hold=200").execute();
                }, room -> ranBy(all, room) != null);
            }
            String prefix = Dispatches.uniqueRoom("redis");
            List<String> calls = new ArrayList<>();
            for (LiveKitCluster.Node node : cluster.nodes()) {
                String room = prefix + "-n" + node.index();
                cluster.createRoomOn(node.index(), room, 600);
                cluster.agentDispatch().createDispatch(room, ClusterWorkerMain.AGENT, "hold=" + HOLD_MS).execute();
                calls.add(room);
            }
            await().atMost(ClusterWorkers.WAIT).until(() -> calls.stream().allMatch(r -> ranBy(all, r) != null));
            int mappedBefore = (int) cluster.roomNodes().keySet().stream().filter(r -> r.startsWith(prefix)).count();
            int nodesBefore = cluster.registeredNodes().size();
            Map<String, Integer> registrationsBefore = new TreeMap<>();
            all.forEach(w -> registrationsBefore.put(w.name, w.registrations()));

            long restarted = System.nanoTime();
            cluster.restartRedis();
            await().atMost(ClusterWorkers.WAIT).until(() -> cluster.registeredNodes().size() == cluster.nodes().size());
            double nodesBack = seconds(restarted, System.nanoTime());
            report.figure("nodes in Redis before / after", nodesBefore + " / " + cluster.registeredNodes().size())
                    .figure("nodes re-registered after s", nodesBack)
                    .figure("calls' rooms mapped to a node before / after", mappedBefore + " / "
                            + cluster.roomNodes().keySet().stream().filter(r -> r.startsWith(prefix)).count());

            // A new dispatch, into a room created on each node: runs once Redis' pub/sub carries psrpc again.
            Map<Integer, Double> firstRun = new TreeMap<>();
            for (LiveKitCluster.Node node : cluster.nodes()) {
                String room = Dispatches.untilAccepted("after" + node.index(), r -> {
                    cluster.createRoomOn(node.index(), r);
                    cluster.agentDispatch().createDispatch(r, ClusterWorkerMain.AGENT, "hold=200").execute();
                }, r -> ranBy(all, r) != null);
                firstRun.put(node.index(), seconds(restarted, runningAt(ranBy(all, room), room)));
            }
            report.figure("first dispatch after the restart running after s, by room node", firstRun);

            // The calls that ran across the restart end as they should, and no worker is left holding a session.
            await().atMost(ClusterWorkers.WAIT).until(() -> calls.stream().allMatch(r -> ranBy(all, r).ended(r).isPresent()));
            Map<String, String> outcomes = new TreeMap<>();
            calls.forEach(r -> outcomes.put(r, ranBy(all, r).ended(r).orElseThrow()[3]));
            Map<String, Integer> reconnects = new TreeMap<>();
            all.forEach(w -> reconnects.put(w.name, w.registrations() - registrationsBefore.get(w.name)));
            report.figure("calls across the restart", outcomes).figure("worker re-registrations", reconnects);
            assertThat(outcomes.values()).as("the calls across the restart ended well").containsOnly("success");
            for (Worker w : all) {
                await().atMost(ClusterWorkers.WAIT).until(() -> w.ran().size() == w.all("ENDED").size());
                assertThat(w.registered()).as(w + " registered").isTrue();
            }
            report.figure("sessions left running", all.stream().mapToInt(w -> w.ran().size() - w.all("ENDED").size()).sum());
        }
    }

    private static long runningAt(Worker w, String room) {
        return w.lines.stream().filter(l -> l.text().startsWith("RUNNING " + room + " ")).findFirst().orElseThrow().atNanos();
    }

    private static double seconds(long from, long to) {
        return Math.round((to - from) / 1e7) / 100.0;
    }

    private static Worker ranBy(List<Worker> all, String room) {
        return all.stream().filter(w -> w.ran().containsKey(room)).findFirst().orElse(null);
    }
}
