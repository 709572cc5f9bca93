package io.openrtc.test;

import io.livekit.server.AgentDispatchServiceClient;
import io.livekit.server.RoomServiceClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import livekit.LivekitInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running LiveKit cluster for tests: Redis, several livekit-server nodes sharing it, and a
 * WebSocket-aware load balancer (HAProxy) in front, all started by
 * {@code scripts/livekit-cluster.sh} in the network namespace {@code openrtc-cluster}.
 * Clients, workers and the service clients use the balancer's {@link #url()}; the nodes are
 * listed for the checks a test makes (which node hosts a room, which node a worker's websocket
 * ended on) and for the faults it injects ({@link #killNode}, {@link #restartRedis}).
 */
public final class LiveKitCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LiveKitCluster.class);
    private static final Pattern NODE_ID = Pattern.compile("starting LiveKit server.*\"nodeID\": \"(ND_[A-Za-z0-9]+)\"");

    /** One livekit-server node: its 1-based index, its own URL and the address it advertises. */
    public record Node(int index, URI url, String ip) {
    }

    private final ProjectScript script;
    private final URI url;
    private final String apiKey;
    private final String apiSecret;
    private final Path stateDir;
    private final RedisProbe redis;
    private final List<Node> nodes;

    private LiveKitCluster(ProjectScript script, Map<String, String> env) {
        this.script = script;
        this.url = URI.create(require(env, "LIVEKIT_URL"));
        this.apiKey = require(env, "LIVEKIT_API_KEY");
        this.apiSecret = require(env, "LIVEKIT_API_SECRET");
        SecretScan.watch(apiSecret);
        this.stateDir = Path.of(require(env, "LIVEKIT_CLUSTER_STATE"));
        this.redis = new RedisProbe(require(env, "LIVEKIT_CLUSTER_REDIS"));
        List<Node> found = new ArrayList<>();
        for (int i = 1; env.containsKey("LIVEKIT_NODE_" + i + "_URL"); i++) {
            URI node = URI.create(env.get("LIVEKIT_NODE_" + i + "_URL"));
            found.add(new Node(i, node, node.getHost()));
        }
        this.nodes = List.copyOf(found);
    }

    /** Starts a cluster of {@code nodeCount} nodes (stopping whatever a killed run left). */
    public static LiveKitCluster start(int nodeCount) {
        try {
            // The nodes run the binary scripts/livekit-server.sh installs; build it if it is missing.
            LocalBinaryLiveKitServer.Availability binary = LocalBinaryLiveKitServer.availability();
            if (!binary.available()) {
                throw new IllegalStateException("No livekit-server binary for the cluster: " + binary.reason());
            }
            ProjectScript script = ProjectScript.locate("livekit-cluster.sh", "openrtc.livekit.cluster-script",
                    "OPENRTC_LIVEKIT_CLUSTER_SCRIPT", Duration.ofSeconds(180));
            LiveKitCluster cluster = new LiveKitCluster(script,
                    ProjectScript.livekitEnv(script.run("start", "--nodes", Integer.toString(nodeCount))));
            System.out.println("[openrtc-test] LiveKit cluster: balancer " + cluster.url + ", nodes "
                    + cluster.nodes.stream().map(n -> n.index() + "=" + n.url()).toList());
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the LiveKit cluster (scripts/livekit-cluster.sh start): " + e.getMessage(), e);
        }
    }

    /** The balancer's websocket URL: what workers and callers connect to. */
    public URI url() {
        return url;
    }

    /** The API key, the same on every node. */
    public String apiKey() {
        return apiKey;
    }

    /** The API secret. Never log it. */
    public String apiSecret() {
        return apiSecret;
    }

    /** The balancer's HTTP base URL for the Twirp APIs. */
    public String httpUrl() {
        return "http://" + url.getHost() + ":" + url.getPort();
    }

    /** A RoomService client through the balancer. */
    public RoomServiceClient roomService() {
        return RoomServiceClient.createClient(httpUrl(), apiKey, apiSecret);
    }

    /** An AgentDispatchService client through the balancer. */
    public AgentDispatchServiceClient agentDispatch() {
        return AgentDispatchServiceClient.createClient(httpUrl(), apiKey, apiSecret);
    }

    /**
     * The balancer seen as one {@link LiveKitServer}, for helpers that take one (such as
     * {@link Dispatches}); it cannot be restarted as a whole.
     */
    public LiveKitServer balancer() {
        return new ExternalLiveKitServer(new ExternalLiveKitServer.Settings(url, apiKey, apiSecret));
    }

    /** The nodes, in index order. */
    public List<Node> nodes() {
        return nodes;
    }

    /** Kills node {@code index} (1-based) with SIGKILL, as a crashed host. */
    public void killNode(int index) throws IOException {
        script.run("kill-node", Integer.toString(index));
    }

    /** Starts node {@code index} again on the same address, ports and keys (a new node id). */
    public void startNode(int index) throws IOException {
        script.run("start-node", Integer.toString(index));
    }

    /** Stops Redis (nothing is persisted) and starts it again, empty. */
    public void restartRedis() throws IOException {
        script.run("restart-redis");
    }

    /** Whether Redis answers. */
    public boolean redisUp() {
        return redis.ping();
    }

    /** The node id node {@code index} logged at its latest start, if it started. */
    public Optional<String> nodeId(int index) {
        String found = null;
        for (String line : logLines(index)) {
            Matcher m = NODE_ID.matcher(line);
            if (m.find()) {
                found = m.group(1);
            }
        }
        return Optional.ofNullable(found);
    }

    /** Node ids (current and earlier lives) to node index. */
    private Map<String, Integer> allNodeIds() {
        Map<String, Integer> ids = new HashMap<>();
        for (Node node : nodes) {
            for (String line : logLines(node.index())) {
                Matcher m = NODE_ID.matcher(line);
                if (m.find()) {
                    ids.put(m.group(1), node.index());
                }
            }
        }
        return ids;
    }

    /**
     * The nodes LiveKit counts as available: those in Redis' {@code nodes} hash whose stats are
     * less than 5 s old (livekit-server's {@code selector.IsAvailable}; a killed node's entry
     * stays in the hash), as node id to the address each advertises.
     */
    public Map<String, String> registeredNodes() throws IOException {
        long now = System.currentTimeMillis() / 1000;
        Map<String, String> result = new HashMap<>();
        for (Map.Entry<String, byte[]> e : redis.hgetall("nodes").entrySet()) {
            LivekitInternal.Node node = LivekitInternal.Node.parseFrom(e.getValue());
            if (!node.hasStats() || now - node.getStats().getUpdatedAt() < 5) {
                result.put(e.getKey(), node.getIp());
            }
        }
        return result;
    }

    /** Room name to the index of the node Redis says hosts it ({@code room_node_map}). */
    public Map<String, Integer> roomNodes() throws IOException {
        Map<String, Integer> ids = allNodeIds();
        Map<String, Integer> result = new HashMap<>();
        for (Map.Entry<String, byte[]> e : redis.hgetall("room_node_map").entrySet()) {
            Integer index = ids.get(new String(e.getValue(), StandardCharsets.UTF_8));
            if (index != null) {
                result.put(e.getKey(), index);
            }
        }
        return result;
    }

    /** The node hosting {@code room}, by Redis' {@code room_node_map}. */
    public OptionalInt nodeOfRoom(String room) throws IOException {
        Integer index = roomNodes().get(room);
        return index == null ? OptionalInt.empty() : OptionalInt.of(index);
    }

    /**
     * The node whose websocket a worker registered on (LiveKit logs {@code worker registered}
     * with the worker id on the node that holds its socket); the latest, after reconnections.
     */
    public OptionalInt nodeOfWorker(String workerId) {
        String needle = "\"workerID\": \"" + workerId + "\"";
        for (Node node : nodes) {
            for (String line : logLines(node.index())) {
                if (line.contains("worker registered") && line.contains(needle)) {
                    return OptionalInt.of(node.index());
                }
            }
        }
        return OptionalInt.empty();
    }

    /** Creates {@code room} on node {@code index} (CreateRoom's {@code node_id}), through the balancer. */
    public void createRoomOn(int index, String room) throws IOException {
        createRoomOn(index, room, null);
    }

    /**
     * Creates {@code room} on node {@code index} with its own empty timeout: LiveKit closes a room
     * in which no participant but agents joined after that many seconds (the nodes' default is 20).
     */
    public void createRoomOn(int index, String room, Integer emptyTimeoutSeconds) throws IOException {
        String nodeId = nodeId(index).orElseThrow(() -> new IllegalStateException("node " + index + " never started"));
        var response = roomService().createRoom(room, emptyTimeoutSeconds, null, nodeId).execute();
        if (!response.isSuccessful()) {
            throw new IOException("CreateRoom " + room + " on node " + index + " failed: HTTP " + response.code());
        }
    }

    /** Node {@code index}'s log file. */
    public Path nodeLog(int index) {
        return stateDir.resolve("node" + index + ".log");
    }

    private List<String> logLines(int index) {
        try {
            return Files.readAllLines(nodeLog(index), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Stops every process of the cluster and removes its namespace. */
    @Override
    public void close() throws IOException {
        script.run("stop");
        log.info("LiveKit cluster stopped");
    }

    @Override
    public String toString() {
        return "LiveKit cluster at " + url + " with " + nodes.size() + " nodes";
    }

    private static String require(Map<String, String> env, String key) {
        String value = env.get(key);
        if (value == null) {
            throw new IllegalStateException("livekit-cluster.sh start printed no " + key);
        }
        return value;
    }
}
