package io.openrtc.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.cluster.ClusterWorkers.Worker;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitCluster;
import io.openrtc.test.LiveKitClusterTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.ScenarioReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Scenario 2 of issue 22: a node is killed (SIGKILL) while calls run on every node. The workers
 * whose websocket it held reconnect through the balancer to a living node and register again;
 * the calls whose room it hosted end with a reason; the calls on the other nodes go on, whichever
 * worker runs them; new dispatches run again within a measured time. Two calls have a real caller
 * (LiveKit's Node SDK), one on the killed node: each is with its agent again afterwards.
 */
@LiveKitClusterTest
class ClusterNodeLossScenarioTest {

    private static final int VICTIM = 2;

    @Test
    void aKilledNodesWorkersMoveItsCallsEndAndNewDispatchesRun(LiveKitCluster cluster) throws Exception {
        int callsPerNode = ScenarioReport.sized(2, 4);
        try (ClusterWorkers workers = new ClusterWorkers(cluster); NodePeer peer = NodePeer.start("caller.mjs");
             ScenarioReport report = ScenarioReport.start("cluster-node-loss")) {
            List<Worker> all = List.of(workers.start("w1", 6), workers.start("w2", 6), workers.start("w3", 6));
            Map<String, Integer> placement = new TreeMap<>();
            for (Worker w : all) {
                placement.put(w.name, workers.nodeOf(w));
            }
            report.figure("worker websocket node before", placement);
            List<Worker> moved = all.stream().filter(w -> placement.get(w.name) == VICTIM).toList();
            assertThat(moved).as("a worker on the node to kill").isNotEmpty();

            for (LiveKitCluster.Node node : cluster.nodes()) {
                Dispatches.untilAccepted("warm" + node.index(), room -> {
                    cluster.createRoomOn(node.index(), room);
                    cluster.agentDispatch().createDispatch(room, ClusterWorkerMain.AGENT, "hold=200").execute();
                }, room -> ranBy(all, room) != null);
            }
            // Calls that hold their rooms, on every node.
            Map<String, Integer> calls = new TreeMap<>();
            String prefix = Dispatches.uniqueRoom("loss");
            for (LiveKitCluster.Node node : cluster.nodes()) {
                for (int k = 0; k < callsPerNode; k++) {
                    String room = prefix + "-n" + node.index() + "-" + k;
                    // No caller joins: a long empty timeout keeps the room open around its agent.
                    cluster.createRoomOn(node.index(), room, 600);
                    cluster.agentDispatch().createDispatch(room, ClusterWorkerMain.AGENT, "hold=room").execute();
                    calls.put(room, node.index());
                }
            }
            await().atMost(ClusterWorkers.WAIT).until(() -> calls.keySet().stream().allMatch(r -> ranBy(all, r) != null));
            // Two of the calls get a real caller (LiveKit's Node SDK) through the balancer: one
            // whose room the kill takes, one on a living node.
            String lostCall = prefix + "-n" + VICTIM + "-0";
            String livingCall = prefix + "-n1-0";
            peer.joinCaller("lost", cluster.url(), cluster.balancer().participantToken(lostCall, "caller-lost"), 0);
            peer.joinCaller("living", cluster.url(), cluster.balancer().participantToken(livingCall, "caller-living"), 0);
            peer.await(e -> e.is("joined", "lost"), ClusterWorkers.WAIT);
            peer.await(e -> e.is("joined", "living"), ClusterWorkers.WAIT);
            Map<String, String> callWorkers = new TreeMap<>();
            calls.keySet().forEach(r -> callWorkers.put(r, ranBy(all, r).name));
            report.figure("calls (room node, worker)", describe(calls, callWorkers));

            int registrationsBefore = moved.getFirst().registrations();
            long killedAtMs = System.currentTimeMillis();
            long killed = System.nanoTime();
            cluster.killNode(VICTIM);

            // Its workers: disconnected, registered again through the balancer, on another node.
            await().atMost(ClusterWorkers.WAIT).until(() -> moved.stream().allMatch(w -> w.registrations() > registrationsBefore && w.registered()));
            double reRegistered = seconds(killed, moved.stream().mapToLong(w -> w.lines.getLast().atNanos()).max().orElseThrow());
            Map<String, Integer> after = new TreeMap<>();
            for (Worker w : all) {
                after.put(w.name, workers.nodeOf(w));
            }
            report.figure("worker websocket node after", after).figure("re-registered after s", reRegistered);
            for (Worker w : moved) {
                assertThat(after.get(w.name)).as(w + " moved off the killed node").isNotEqualTo(VICTIM);
            }

            // A new dispatch runs: the first one after the kill that a worker took, timed from the kill.
            String fresh = Dispatches.untilAccepted("after", room -> cluster.agentDispatch()
                    .createDispatch(room, ClusterWorkerMain.AGENT, "hold=200").execute(), room -> ranBy(all, room) != null);
            double newDispatchRuns = seconds(killed, runningAt(ranBy(all, fresh), fresh));
            report.figure("new dispatch running after s", newDispatchRuns).figure("new dispatch's room node", cluster.nodeOfRoom(fresh).orElse(-1));

            // The calls of the killed node's rooms: LiveKit lost them with the node; their agents
            // reconnect through the balancer, and (rooms being auto-created here) LiveKit puts a
            // room of the same name on a living node, from the room's record in Redis, which the
            // agent rejoins; or the call ends, with a reason.
            List<String> lostRooms = calls.entrySet().stream().filter(e -> e.getValue() == VICTIM).map(Map.Entry::getKey).toList();
            await().atMost(ClusterWorkers.WAIT).until(() -> lostRooms.stream().allMatch(r -> ranBy(all, r).ended(r).isPresent()
                    || lineAt(ranBy(all, r), "Room '" + r + "' rejoined") > 0));
            Map<String, String> lostFate = new TreeMap<>();
            for (String room : lostRooms) {
                Worker w = ranBy(all, room);
                long rejoined = lineAt(w, "Room '" + room + "' rejoined");
                if (w.ended(room).isPresent()) {
                    String[] ended = w.ended(room).orElseThrow();
                    lostFate.put(room, "ended " + ended[3] + " after " + seconds(killed, endedAt(w, room)) + " s: "
                            + (ended.length > 4 ? ended[4] : "") + closedLine(w, room));
                    assertThat((ended.length > 4 && !ended[4].isBlank()) || !closedLine(w, room).isEmpty()).as(room + " ended with a reason").isTrue();
                } else {
                    int node = cluster.nodeOfRoom(room).orElse(-1);
                    lostFate.put(room, "rejoined after " + seconds(killed, rejoined) + " s, room now on node " + node);
                    assertThat(node).as(room + " now on a living node").isNotEqualTo(VICTIM).isPositive();
                }
            }
            report.figure("killed node's calls", lostFate);

            // The callers: as an application would, one whose room dropped joins again; the call
            // goes on once caller and agent are in the same room again.
            report.figure("caller on the killed node", rejoinCaller(cluster, peer, "lost", "caller-lost", lostCall, killedAtMs));
            report.figure("caller on a living node", rejoinCaller(cluster, peer, "living", "caller-living", livingCall, killedAtMs));

            // The other nodes' calls: whose signalling went through the killed node resumed; say what each did.
            List<String> living = calls.entrySet().stream().filter(e -> e.getValue() != VICTIM).map(Map.Entry::getKey).toList();
            Map<String, String> livingFate = new TreeMap<>();
            for (String room : living) {
                Worker w = ranBy(all, room);
                String fate = w.ended(room).map(e -> "ended " + e[3] + " (" + (e.length > 4 ? e[4] : "") + ")")
                        .orElse(lineAt(w, "Room '" + room + "' rejoined") > 0 ? "rejoined, running"
                                : lineAt(w, "Room '" + room + "' resumed") > 0 ? "resumed, running" : "untouched, running");
                livingFate.put(room, fate);
            }
            report.figure("other nodes' calls", livingFate);

            // Nothing stuck: every call still running ends, and ends well, when its room is deleted.
            for (String room : calls.keySet()) {
                cluster.roomService().deleteRoom(room).execute();
            }
            await().atMost(ClusterWorkers.WAIT).until(() -> calls.keySet().stream().allMatch(r -> ranBy(all, r).ended(r).isPresent()));
            Map<String, Long> outcomes = new TreeMap<>();
            calls.keySet().forEach(r -> outcomes.merge(ranBy(all, r).ended(r).orElseThrow()[3], 1L, Long::sum));
            report.figure("outcomes", outcomes);
            for (Worker w : all) {
                await().atMost(ClusterWorkers.WAIT).until(() -> w.ran().size() == w.all("ENDED").size());
            }
        }
    }

    /**
     * What caller {@code id} went through after the kill, and when it was in {@code room} with an
     * agent again: its SDK's own reconnect, or (after {@code disconnected}) a new join, retried
     * while LiveKit still places the room on the dead node.
     */
    private static String rejoinCaller(LiveKitCluster cluster, NodePeer peer, String id, String identity, String room,
                                       long killedAtMs) throws Exception {
        List<String> seen = new ArrayList<>();
        boolean atOnce = together(cluster, room, identity);
        await().atMost(ClusterWorkers.WAIT).until(() -> together(cluster, room, identity)
                || peer.find(e -> e.is("disconnected", id) && e.tMs() >= killedAtMs).isPresent());
        int rejoins = 0;
        while (!together(cluster, room, identity) && peer.find(e -> e.is("disconnected", id) && e.tMs() >= killedAtMs).isPresent()
                && rejoins < 6) {
            rejoins++;
            long asked = System.currentTimeMillis();
            peer.rejoinCaller(id);
            NodePeer.Event answer = peer.await(e -> (e.is("rejoined", id) || e.is("error", id)) && e.tMs() >= asked, ClusterWorkers.WAIT);
            if (answer.is("rejoined")) {
                break;
            }
            seen.add("rejoin failed: " + answer.text("message"));
        }
        await().atMost(ClusterWorkers.WAIT).until(() -> together(cluster, room, identity));
        double after = (System.currentTimeMillis() - killedAtMs) / 1000.0;
        peer.eventsOf(id).stream().filter(e -> e.tMs() >= killedAtMs)
                .filter(e -> e.is("reconnecting") || e.is("reconnected") || e.is("disconnected") || e.is("rejoined"))
                .forEach(e -> seen.add(e.event() + (e.text("reason").isEmpty() ? "" : " " + e.text("reason"))));
        if (atOnce && seen.isEmpty()) {
            return "no reconnect event; in the room with its agent when checked, " + Math.round(after * 10) / 10.0
                    + " s after the kill, room on node " + cluster.nodeOfRoom(room).orElse(-1);
        }
        return String.join(", ", seen) + (seen.isEmpty() ? "" : "; ") + "with its agent again " + Math.round(after * 10) / 10.0
                + " s after the kill, room on node " + cluster.nodeOfRoom(room).orElse(-1);
    }

    /** Whether {@code room} (wherever it now is) holds the caller and an agent. */
    private static boolean together(LiveKitCluster cluster, String room, String caller) {
        try {
            var response = cluster.roomService().listParticipants(room).execute();
            if (!response.isSuccessful() || response.body() == null) {
                return false;
            }
            List<String> identities = response.body().stream().map(p -> p.getIdentity()).toList();
            return identities.contains(caller) && identities.stream().anyMatch(i -> i.startsWith("agent-"));
        } catch (Exception e) {
            return false; // the room's node may be the dead one for a few seconds
        }
    }

    private static String closedLine(Worker w, String room) {
        return w.all("CLOSED").stream().filter(c -> c[1].equals(room)).map(c -> " (room " + c[2] + ")").findFirst().orElse("");
    }

    private static long lineAt(Worker w, String contains) {
        return w.lines.stream().filter(l -> l.text().contains(contains)).mapToLong(ClusterWorkers.Worker.Line::atNanos).findFirst().orElse(0);
    }

    private static String describe(Map<String, Integer> calls, Map<String, String> workers) {
        List<String> parts = new ArrayList<>();
        calls.forEach((room, node) -> parts.add(room.substring(room.lastIndexOf("-n") + 1) + "@node" + node + "/" + workers.get(room)));
        return String.join(", ", parts);
    }

    private static long runningAt(Worker w, String room) {
        return w.lines.stream().filter(l -> l.text().startsWith("RUNNING " + room + " ")).findFirst().orElseThrow().atNanos();
    }

    private static long endedAt(Worker w, String room) {
        return w.lines.stream().filter(l -> l.text().startsWith("ENDED " + room + " ")).findFirst().orElseThrow().atNanos();
    }

    private static double seconds(long from, long to) {
        return Math.round((to - from) / 1e7) / 100.0;
    }

    static Worker ranBy(List<Worker> all, String room) {
        return all.stream().filter(w -> w.ran().containsKey(room)).findFirst().orElse(null);
    }
}
