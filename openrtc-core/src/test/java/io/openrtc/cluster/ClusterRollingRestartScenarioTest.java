package io.openrtc.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.cluster.ClusterWorkers.Worker;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitCluster;
import io.openrtc.test.LiveKitClusterTest;
import io.openrtc.test.ScenarioReport;
import io.openrtc.test.ServerJobLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Scenario 4 of issue 22: the workers are replaced one at a time as a Kubernetes rollout with
 * {@code maxSurge: 1, maxUnavailable: 0} does it (a new worker registers, then the old one gets
 * SIGTERM and drains) while dispatches keep coming into rooms on every node: no call is lost,
 * every call runs once and ends well, the drained workers' included.
 */
@LiveKitClusterTest
class ClusterRollingRestartScenarioTest {

    private static final long PACE_MS = 400;
    private static final long HOLD_MS = 1500;

    @Test
    void aRollingRestartUnderDispatchesLosesNoCall(LiveKitCluster cluster) throws Exception {
        int rounds = ScenarioReport.sized(1, 3);
        try (ClusterWorkers workers = new ClusterWorkers(cluster); ScenarioReport report = ScenarioReport.start("cluster-rolling-restart")) {
            List<Worker> current = new ArrayList<>(List.of(workers.start("w1", 4), workers.start("w2", 4), workers.start("w3", 4)));
            // Every worker ever started, the drained ones included: the counts below are over all.
            List<Worker> all = new CopyOnWriteArrayList<>(current);
            for (LiveKitCluster.Node node : cluster.nodes()) {
                Dispatches.untilAccepted("warm" + node.index(), room -> {
                    cluster.createRoomOn(node.index(), room);
                    cluster.agentDispatch().createDispatch(room, ClusterWorkerMain.AGENT, "hold=200").execute();
                }, room -> ranBy(all, room) != null);
            }

            String prefix = Dispatches.uniqueRoom("roll");
            List<String> dispatched = new CopyOnWriteArrayList<>();
            List<String> failedCalls = new CopyOnWriteArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread dispatcher = Thread.ofPlatform().name("dispatcher").start(() -> {
                for (int k = 0; !stop.get(); k++) {
                    String room = prefix + "-" + k;
                    try {
                        cluster.createRoomOn(k % cluster.nodes().size() + 1, room);
                        if (cluster.agentDispatch().createDispatch(room, ClusterWorkerMain.AGENT, "hold=" + HOLD_MS).execute().isSuccessful()) {
                            dispatched.add(room);
                        } else {
                            failedCalls.add(room);
                        }
                        Thread.sleep(PACE_MS); // the pace of incoming calls, not a wait for a condition
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        failedCalls.add(room + ": " + e);
                    }
                }
            });

            List<String> drains = new ArrayList<>();
            int generation = 1;
            try {
                await().atMost(ClusterWorkers.WAIT).until(() -> dispatched.size() >= 5);
                for (int round = 0; round < rounds; round++) {
                    generation++;
                    for (int i = 0; i < 3; i++) {
                        Worker old = current.get(i);
                        // maxSurge 1: the new pod registers (is ready) before the old one is stopped.
                        Worker replacement = workers.start("w" + (i + 1) + "." + generation, 4);
                        all.add(replacement);
                        current.set(i, replacement);
                        long signalled = System.nanoTime();
                        old.sigterm();
                        assertThat(old.exited(Duration.ofSeconds(60))).as(old + " drained and exited").isTrue();
                        drains.add(old.name + " " + Math.round((System.nanoTime() - signalled) / 1e7) / 100.0 + " s, "
                                + old.all("DRAINED").stream().map(d -> d[1] + " completed, " + d[2] + " cancelled").findFirst().orElse("no drain line"));
                    }
                }
                int target = dispatched.size() + 5;
                await().atMost(ClusterWorkers.WAIT).until(() -> dispatched.size() >= target);
            } finally {
                stop.set(true);
                dispatcher.join(Duration.ofSeconds(30));
            }

            List<String> lost = new ArrayList<>();
            for (String room : dispatched) {
                try {
                    await().atMost(Duration.ofSeconds(30)).until(() -> ranBy(all, room) != null);
                } catch (ConditionTimeoutException e) {
                    lost.add(room);
                }
            }
            List<String> ran = dispatched.stream().filter(r -> ranBy(all, r) != null).toList();
            await().atMost(ClusterWorkers.WAIT).until(() -> ran.stream().allMatch(r -> ranBy(all, r).ended(r).isPresent()));
            Map<String, Long> outcomes = new TreeMap<>();
            ran.forEach(r -> outcomes.merge(ranBy(all, r).ended(r).orElseThrow()[3], 1L, Long::sum));
            Map<String, Integer> perWorker = new TreeMap<>();
            all.forEach(w -> perWorker.put(w.name, (int) w.ran().keySet().stream().filter(r -> r.startsWith(prefix)).count()));
            long declined = all.stream().mapToLong(w -> w.all("DECLINED").size()).sum();

            report.figure("dispatched", dispatched.size()).figure("ran", ran.size()).figure("lost", lost.size())
                    .figure("dispatch API failures", failedCalls.size()).figure("declined offers", declined)
                    .figure("drains", drains).figure("calls per worker", perWorker).figure("outcomes", outcomes);
            assertThat(failedCalls).as("CreateRoom/CreateDispatch through the balancer failed").isEmpty();
            // A dispatch no worker ran is ours to answer for if LiveKit assigned it to a worker (its own
            // log says so); one LiveKit never assigned is reported apart (seen once in CI: 1 of 26).
            List<String> assignedNotRun = lost.stream().filter(room -> cluster.nodes().stream()
                    .anyMatch(n -> !ServerJobLog.read(cluster.nodeLog(n.index())).assignedIn(room).isEmpty())).toList();
            report.figure("lost dispatches LiveKit never assigned to a worker", lost.size() - assignedNotRun.size());
            assertThat(assignedNotRun).as("dispatches LiveKit assigned that no worker ran").isEmpty();
            for (String room : dispatched) {
                assertThat(all.stream().filter(w -> w.ran().containsKey(room)).count()).as(room + " ran once").isEqualTo(1);
            }
            assertThat(outcomes).as("every call ended well, the drained workers' too").containsOnlyKeys("success");
        }
    }

    private static Worker ranBy(List<Worker> all, String room) {
        return all.stream().filter(w -> w.ran().containsKey(room)).findFirst().orElse(null);
    }
}
