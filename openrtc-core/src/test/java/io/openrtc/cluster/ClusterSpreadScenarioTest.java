package io.openrtc.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.cluster.ClusterWorkers.Worker;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitCluster;
import io.openrtc.test.LiveKitClusterTest;
import io.openrtc.test.ScenarioReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Scenario 1 of issue 22: three worker JVMs with different {@code max-concurrent-sessions}
 * register through the balancer and land on different nodes; dispatches into rooms created on
 * every node all run, once each, and LiveKit's split between the workers follows their load.
 *
 * <p>The dispatches come in waves of calls that hold their rooms until the test deletes them, one
 * at a time, each once the previous one runs, so that every choice LiveKit makes sees the loads
 * the calls before it left: how LiveKit picks (docs/scaling.md) then decides the split, not
 * timing. A wave (8) stays below the three workers' capacity (2 + 4 + 6), so no dispatch can be
 * refused for want of a worker.
 */
@LiveKitClusterTest
class ClusterSpreadScenarioTest {

    private static final int WAVE = 8;

    @Test
    void threeWorkersOnThreeNodesRunEveryDispatchOnceSplitByLoad(LiveKitCluster cluster) throws Exception {
        int total = ScenarioReport.sized(24, 60);
        try (ClusterWorkers workers = new ClusterWorkers(cluster); ScenarioReport report = ScenarioReport.start("cluster-spread")) {
            List<Worker> all = List.of(workers.start("w1", 2), workers.start("w2", 4), workers.start("w3", 6));
            Map<String, Integer> placement = new TreeMap<>();
            for (Worker w : all) {
                placement.put(w.toString(), workers.nodeOf(w));
            }
            report.figure("worker websocket node", placement);
            assertThat(Set.copyOf(placement.values())).as("leastconn put each worker on its own node").hasSize(3);

            // LiveKit's registration race: the first dispatch after a registration can miss it. Warm
            // each node's dispatch path up with a short call, not counted below.
            for (LiveKitCluster.Node node : cluster.nodes()) {
                Dispatches.untilAccepted("warm" + node.index(), room -> {
                    cluster.createRoomOn(node.index(), room);
                    cluster.agentDispatch().createDispatch(room, ClusterWorkerMain.AGENT, "hold=200").execute();
                }, room -> ranBy(all, room) != null);
            }
            Map<Worker, Integer> before = new HashMap<>();
            all.forEach(w -> before.put(w, w.ran().size()));

            String prefix = Dispatches.uniqueRoom("spread");
            List<String> rooms = new ArrayList<>();
            Map<Integer, Integer> roomsPerNode = new TreeMap<>();
            List<String> lost = new ArrayList<>();
            long started = System.nanoTime();
            for (int k = 0; k < total; k++) {
                String room = prefix + "-" + k;
                int node = k % cluster.nodes().size() + 1;
                cluster.createRoomOn(node, room);
                roomsPerNode.merge(cluster.nodeOfRoom(room).orElse(-1), 1, Integer::sum);
                cluster.agentDispatch().createDispatch(room, ClusterWorkerMain.AGENT, "hold=room").execute();
                rooms.add(room);
                try {
                    await().atMost(Duration.ofSeconds(30)).until(() -> ranBy(all, room) != null);
                } catch (ConditionTimeoutException e) {
                    lost.add(room);
                }
                if (rooms.size() % WAVE == 0 || k == total - 1) {
                    endWave(cluster, all, rooms.subList(rooms.size() - ((k % WAVE) + 1), rooms.size()));
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;

            Map<String, String> split = new TreeMap<>();
            Set<String> jobIds = new HashSet<>();
            int ranTotal = 0;
            for (Worker w : all) {
                Map<String, String> mine = w.ran().entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                split.put(w.toString(), mine.size() + " calls, at most " + w.mostAtOnce() + " at once");
                jobIds.addAll(mine.values());
                ranTotal += mine.size();
            }
            report.figure("dispatched", total).figure("rooms per node", roomsPerNode).figure("ran", ranTotal)
                    .figure("lost", lost.size()).figure("split", split).figure("seconds", seconds);

            assertThat(lost).as("dispatches no worker ran").isEmpty();
            assertThat(roomsPerNode).as("rooms on every node").containsOnlyKeys(1, 2, 3);
            assertThat(ranTotal).as("every dispatch ran exactly once").isEqualTo(total);
            assertThat(jobIds).as("one job per dispatch").hasSize(total);
            for (String room : rooms) {
                assertThat(all.stream().filter(w -> w.ran().containsKey(room)).count()).as(room + " ran by one worker").isEqualTo(1);
            }
            for (Worker w : all) {
                assertThat(w.mostAtOnce()).as(w + " never above its capacity").isLessThanOrEqualTo(w.maxSessions);
                assertThat(w.all("ENDED").stream().filter(e -> e[1].startsWith(prefix)).allMatch(e -> e[3].equals("success")))
                        .as(w + ": every call ended well").isTrue();
            }
            int small = all.get(0).ran().size() - before.get(all.get(0));
            int large = all.get(2).ran().size() - before.get(all.get(2));
            assertThat(large).as("the worker with room for 6 ran more calls than the one with room for 2").isGreaterThan(small);
        }
    }

    /** Deletes a wave's rooms and waits until each of their calls ended. */
    private static void endWave(LiveKitCluster cluster, List<Worker> all, List<String> wave) throws Exception {
        for (String room : wave) {
            cluster.roomService().deleteRoom(room).execute();
        }
        await().atMost(ClusterWorkers.WAIT).until(() -> wave.stream().allMatch(room -> {
            Worker w = ranBy(all, room);
            return w == null || w.ended(room).isPresent();
        }));
    }

    private static Worker ranBy(List<Worker> all, String room) {
        return all.stream().filter(w -> w.ran().containsKey(room)).findFirst().orElse(null);
    }
}
