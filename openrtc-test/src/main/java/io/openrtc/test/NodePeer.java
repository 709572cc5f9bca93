package io.openrtc.test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A third-party LiveKit peer for tests: a Node.js script in {@code openrtc-test/peers} built on
 * LiveKit's own SDK ({@code @livekit/rtc-node}), run as a child process. Commands go to the
 * script's stdin as JSON lines (tokens travel there, never on a command line); the script's
 * stdout JSON lines with an {@code event} field are collected as {@link Event}s.
 *
 * <p>The peers' dependencies are installed with {@code npm ci} in {@code openrtc-test/peers}
 * ({@code .ci/run} does it); without them {@link #start} fails and says so.
 *
 * <pre>{@code
 * try (NodePeer peer = NodePeer.start("caller.mjs")) {
 *     peer.joinCaller("c1", server.url(), server.participantToken("room", "caller"), 440);
 *     Event heard = peer.await(e -> e.is("heard") && e.number("hz") > 870, Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>A caller that speaks and listens like a person: {@link #joinSpeaker} publishes a microphone
 * that plays WAV clips ({@link #play}, built with {@link Wav}), and every caller reports when what
 * it hears gets loud and quiet ({@code audioStarted}, {@code audioStopped}) and can record it
 * ({@link #record}, {@link #saveRecording}). All their timestamps are epoch ms of the one clock
 * of this machine, so a caller's and an agent's can be compared.
 */
public final class NodePeer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodePeer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One JSON line the script printed. */
    public record Event(String event, String id, long tMs, JsonNode json) {

        /** Whether this is an event of that name. */
        public boolean is(String name) {
            return name.equals(event);
        }

        /** Whether this is an event of that name from that caller. */
        public boolean is(String name, String callerId) {
            return name.equals(event) && callerId.equals(id);
        }

        /** A text field, or "" when absent. */
        public String text(String field) {
            JsonNode value = json.get(field);
            return value == null || value.isNull() ? "" : value.asText();
        }

        /** A numeric field, or NaN when absent. */
        public double number(String field) {
            JsonNode value = json.get(field);
            return value == null || !value.isNumber() ? Double.NaN : value.asDouble();
        }

        @Override
        public String toString() {
            return json.toString();
        }
    }

    private final String script;
    private final Process process;
    private final OutputStream stdin;
    private final List<Event> events = new ArrayList<>();
    private final Thread reader;

    private NodePeer(String script, Process process) {
        this.script = script;
        this.process = process;
        this.stdin = process.getOutputStream();
        this.reader = Thread.ofPlatform().daemon(true).name("node-peer-" + script).start(this::readEvents);
        Thread.ofPlatform().daemon(true).name("node-peer-stderr-" + script).start(this::drainStderr);
    }

    /**
     * Runs {@code npm ci} in the peers' directory, once per JVM, as {@code ./mvnw verify} must
     * work on a fresh clone (from the npm registry; the lock file pins every package).
     */
    private static synchronized void installPeers(Path dir) {
        if (Files.isDirectory(dir.resolve("node_modules/@livekit/rtc-node"))) {
            return;
        }
        System.out.println("[openrtc-test] LiveKit's Node SDK is not installed in " + dir + ": running npm ci (once)");
        long started = System.nanoTime();
        try {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!npm.waitFor(10, java.util.concurrent.TimeUnit.MINUTES) || npm.exitValue() != 0) {
                npm.destroyForcibly();
                throw new IllegalStateException("LiveKit's Node SDK is not installed in " + dir + " and `npm ci` there failed: run `npm ci` in openrtc-test/peers by hand to see why (.ci/run does it)");
            }
        } catch (IOException e) {
            throw new IllegalStateException("LiveKit's Node SDK is not installed in " + dir
                    + " and npm could not run (" + e.getMessage() + "): run `npm ci` in openrtc-test/peers", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running npm ci in " + dir, e);
        }
        System.out.printf("[openrtc-test] npm ci done in %d s%n", java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
    }

    /**
     * Starts {@code script} (a file in {@code openrtc-test/peers}) and waits until it is ready.
     *
     * @throws IllegalStateException when node is missing, or the peers' {@code node_modules} are and
     *                               {@code npm ci} cannot install them
     */
    public static NodePeer start(String script) {
        Path dir = peersDirectory();
        if (!Files.isDirectory(dir.resolve("node_modules/@livekit/rtc-node"))) {
            installPeers(dir);
        }
        Path file = dir.resolve(script);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no peer script " + file);
        }
        ProcessBuilder builder = new ProcessBuilder("node", file.toString()).directory(dir.toFile());
        builder.environment().putIfAbsent("LOG_LEVEL", "warn");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("could not start `node " + script + "` (is Node.js 18+ installed?): "
                    + e.getMessage(), e);
        }
        NodePeer peer = new NodePeer(script, process);
        try {
            peer.await(e -> e.is("ready"), Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            peer.close();
            throw e;
        }
        return peer;
    }

    /** Sends one command (serialized as a JSON line). */
    public synchronized void send(Map<String, ?> command) {
        try {
            stdin.write((JSON.writeValueAsString(command) + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the Node peer " + script + " is not accepting commands", e);
        }
    }

    /**
     * {@code caller.mjs}: joins a room as caller {@code id}, publishing a sine tone of
     * {@code toneHz} (0 for none) and reporting what it hears.
     */
    public void joinCaller(String id, URI serverUrl, String token, double toneHz) {
        joinCaller(id, serverUrl, token, toneHz, List.of(), List.of());
    }

    /**
     * {@code caller.mjs}: joins like {@link #joinCaller(String, URI, String, double)} and reads
     * every text stream on {@code textTopics} and byte stream on {@code byteTopics} (reported as
     * {@code text} and {@code bytes} events).
     */
    public void joinCaller(String id, URI serverUrl, String token, double toneHz, List<String> textTopics,
            List<String> byteTopics) {
        Map<String, Object> command = new LinkedHashMap<>();
        command.put("op", "join");
        command.put("id", id);
        command.put("url", serverUrl.toString());
        command.put("token", token);
        command.put("toneHz", toneHz);
        command.put("textTopics", textTopics);
        command.put("byteTopics", byteTopics);
        send(command);
    }

    /**
     * {@code caller.mjs}: joins like {@link #joinCaller(String, URI, String, double, List, List)}
     * (no tone, reading {@code textTopics}) with a text the caller sends by itself, without the
     * round trip through this JVM: {@code when} says the instant.
     *
     * @param when  {@code "replyOnText"}: once the first text stream on {@code topic} has been read;
     *              {@code "sendOnJoin"}: as soon as the SDK's {@code connect} returned
     * @param tag   echoed in the {@code textSent} event
     */
    public void joinCallerSending(String id, URI serverUrl, String token, List<String> textTopics, String when,
            String tag, String topic, String text) {
        if (!when.equals("replyOnText") && !when.equals("sendOnJoin")) {
            throw new IllegalArgumentException("when is replyOnText or sendOnJoin, not " + when);
        }
        Map<String, Object> command = new LinkedHashMap<>();
        command.put("op", "join");
        command.put("id", id);
        command.put("url", serverUrl.toString());
        command.put("token", token);
        command.put("toneHz", 0);
        command.put("textTopics", textTopics);
        command.put("byteTopics", List.of());
        command.put(when, Map.of("tag", tag, "topic", topic, "text", text));
        send(command);
    }

    /** {@code caller.mjs}: caller {@code id} sends {@code text} as one text stream; answers {@code textSent{tag,streamId}}. */
    public void sendText(String id, String tag, String topic, String text, Map<String, String> attributes) {
        send(Map.of("op", "sendText", "id", id, "tag", tag, "topic", topic, "text", text, "attributes", attributes));
    }

    /** {@code caller.mjs}: caller {@code id} writes {@code parts} one by one into one text stream, then closes it. */
    public void streamText(String id, String tag, String topic, List<String> parts, Map<String, String> attributes) {
        send(Map.of("op", "streamText", "id", id, "tag", tag, "topic", topic, "parts", parts, "attributes", attributes));
    }

    /** {@code caller.mjs}: caller {@code id} publishes a data packet; answers {@code dataSent{tag}}. */
    public void sendData(String id, String tag, String topic, String text, boolean reliable) {
        send(Map.of("op", "sendData", "id", id, "tag", tag, "topic", topic, "text", text, "reliable", reliable));
    }

    /**
     * {@code caller.mjs}: caller {@code id} answers RPC {@code method}: {@code behavior} is
     * {@code echo}, {@code upper}, {@code slow} (waits {@code delayMs}), {@code fail} (throws an
     * Error) or {@code rpcError} (throws RpcError 4242 "refused" with data "details").
     */
    public void registerRpc(String id, String method, String behavior, long delayMs) {
        send(Map.of("op", "registerRpc", "id", id, "method", method, "behavior", behavior, "delayMs", delayMs));
    }

    /** {@code caller.mjs}: caller {@code id} calls {@code method} on {@code destination}; answers {@code rpcResult} or {@code rpcError}. */
    public void performRpc(String id, String tag, String destination, String method, String payload, long timeoutMs) {
        send(Map.of("op", "performRpc", "id", id, "tag", tag, "to", destination, "method", method, "payload", payload,
                "timeoutMs", timeoutMs));
    }

    /** {@code caller.mjs}: caller {@code id} sets its own attributes; answers {@code attributesSet{tag}}. */
    public void setAttributes(String id, String tag, Map<String, String> attributes) {
        send(Map.of("op", "setAttributes", "id", id, "tag", tag, "attributes", attributes));
    }

    /** {@code caller.mjs}: caller {@code id} starts publishing a tone of {@code toneHz} now. */
    public void publishTone(String id, double toneHz) {
        send(Map.of("op", "publish", "id", id, "toneHz", toneHz));
    }

    /**
     * {@code caller.mjs}: caller {@code id} stops its tone and its analysis but stays in the room
     * (LiveKit's Node SDK costs about a tenth of a core per caller with audio both ways).
     */
    public void quiet(String id) {
        send(Map.of("op", "quiet", "id", id));
    }

    /** {@code caller.mjs}: caller {@code id} leaves and joins again on a fresh connection. */
    public void rejoinCaller(String id) {
        send(Map.of("op", "rejoin", "id", id));
    }

    /**
     * {@code caller.mjs}: joins as caller {@code id} with a microphone that streams silence until
     * {@link #play} gives it a clip, and reports voice activity ({@code audioStarted},
     * {@code audioStopped}) in what it hears, counting 10 ms blocks with an RMS of 300 as loud.
     */
    public void joinSpeaker(String id, URI serverUrl, String token) {
        joinSpeaker(id, serverUrl, token, 300);
    }

    /**
     * {@code caller.mjs}: joins like {@link #joinSpeaker(String, URI, String)}, counting heard
     * 10 ms blocks as loud from an RMS of {@code loudRms} (16-bit units).
     */
    public void joinSpeaker(String id, URI serverUrl, String token, int loudRms) {
        joinSpeaker(id, serverUrl, token, loudRms, List.of());
    }

    /**
     * {@code caller.mjs}: joins like {@link #joinSpeaker(String, URI, String, int)} and reads every
     * text stream on {@code textTopics} (reported as {@code text} events), such as
     * {@code lk.transcription}.
     */
    public void joinSpeaker(String id, URI serverUrl, String token, int loudRms, List<String> textTopics) {
        send(Map.of("op", "join", "id", id, "url", serverUrl.toString(), "token", token, "mic", true,
                "loudRms", loudRms, "textTopics", textTopics));
    }

    /** {@code caller.mjs}: caller {@code id}, already in a room, starts publishing its microphone. */
    public void publishMicrophone(String id) {
        send(Map.of("op", "publish", "id", id, "mic", true));
    }

    /**
     * {@code caller.mjs}: caller {@code id} queues a 16-bit PCM WAV (any rate, one or two channels)
     * on its microphone; answers {@code playQueued}, then {@code playStarted} and
     * {@code playEnded}, all with {@code tag}, whose {@code tMs} estimate when the clip's first and
     * last samples left the caller's audio source for the encoder.
     */
    public void play(String id, String tag, Path wav) {
        send(Map.of("op", "play", "id", id, "tag", tag, "wav", wav.toAbsolutePath().toString()));
    }

    /** {@code caller.mjs}: caller {@code id} cuts its clip and drops the queued ones ({@code playEnded} with {@code cut: true}). */
    public void stopPlay(String id) {
        send(Map.of("op", "stopPlay", "id", id));
    }

    /**
     * {@code caller.mjs}: caller {@code id} starts keeping what every remote audio track delivers
     * (at most 120 s per track); answers {@code recordStarted{tag}}.
     */
    public void record(String id, String tag) {
        send(Map.of("op", "record", "id", id, "tag", tag));
    }

    /** {@code caller.mjs}: like {@link #record(String, String)}, for the tracks of {@code participant} only. */
    public void record(String id, String tag, String participant) {
        send(Map.of("op", "record", "id", id, "tag", tag, "participant", participant));
    }

    /**
     * {@code caller.mjs}: caller {@code id} writes recording {@code tag} as a 16-bit 48 kHz mono
     * WAV and stops recording; answers
     * {@code recordingSaved{tag,path,startMs,durationMs,loudMs,truncated,tracks}}, where
     * {@code startMs} is the epoch ms of the first sample.
     */
    public void saveRecording(String id, String tag, Path wav) {
        send(Map.of("op", "saveRecording", "id", id, "tag", tag, "path", wav.toAbsolutePath().toString()));
    }

    /**
     * {@code caller.mjs}: caller {@code id} reports, per remote audio track, the frames received
     * since its previous stats (or the subscription) and the gaps over 50 ms; answers
     * {@code stats{tag,tracks[...]}}.
     */
    public void stats(String id, String tag) {
        send(Map.of("op", "stats", "id", id, "tag", tag));
    }

    /**
     * The first {@code event} from caller {@code id} that carries {@code tag}.
     *
     * @throws AssertionError at once when the caller reports an error for that tag, or when
     *     nothing matches in time
     */
    public Event awaitTagged(String event, String id, String tag, Duration timeout) {
        Event found = await(e -> (e.is(event, id) || e.is("error", id)) && tag.equals(e.text("tag")), timeout);
        if (found.is("error")) {
            throw new AssertionError("caller " + id + " failed " + tag + ": " + found.text("message"));
        }
        return found;
    }

    /** The first {@code event} from caller {@code id} stamped ({@code tMs}) at or after {@code fromMs}. */
    public Event awaitFrom(String event, String id, long fromMs, Duration timeout) {
        return await(e -> e.is(event, id) && e.tMs() >= fromMs, timeout);
    }

    /** The events of one caller so far. */
    public synchronized List<Event> eventsOf(String id) {
        return events.stream().filter(e -> e.id().equals(id)).toList();
    }

    /** {@code caller.mjs}: caller {@code id} leaves its room. */
    public void leaveCaller(String id) {
        send(Map.of("op", "leave", "id", id));
    }

    /** Every event so far. */
    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /**
     * The first event (already received or arriving within {@code timeout}) that matches.
     *
     * @throws AssertionError when none matches in time, listing the recent events
     */
    public Event await(Predicate<Event> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            int scanned = 0;
            while (true) {
                for (; scanned < events.size(); scanned++) {
                    if (match.test(events.get(scanned))) {
                        return events.get(scanned);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive() && !reader.isAlive()) {
                    List<Event> recent = events.subList(Math.max(0, events.size() - 15), events.size());
                    throw new AssertionError("the Node peer " + script + " reported no matching event within "
                            + timeout.toMillis() + " ms" + (process.isAlive() ? "" : " (the process exited)")
                            + "; its last events: " + recent);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for the Node peer", e);
                }
            }
        }
    }

    /** The first matching event so far, without waiting. */
    public synchronized Optional<Event> find(Predicate<Event> match) {
        return events.stream().filter(match).findFirst();
    }

    /** Asks the script to leave every room and exit; kills it if it does not within 10 s. */
    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                send(Map.of("op", "exit"));
                stdin.close();
            } catch (RuntimeException | IOException e) {
                log.debug("Node peer {} did not take the exit command: {}", script, e.toString());
            }
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroy();
                    if (!process.waitFor(3, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    private void readEvents() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                Event event = parse(line);
                if (event == null) {
                    continue;
                }
                if (event.is("error") || event.is("retry")) {
                    log.warn("Node peer {}: {}", script, line);
                }
                synchronized (this) {
                    events.add(event);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            log.debug("Node peer {} output closed: {}", script, e.toString());
        } finally {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    private static Event parse(String line) {
        if (!line.startsWith("{")) {
            return null;
        }
        try {
            JsonNode json = JSON.readTree(line);
            JsonNode name = json.get("event");
            if (name == null) {
                return null; // the SDK's own log lines
            }
            JsonNode id = json.get("id");
            JsonNode t = json.get("tMs");
            return new Event(name.asText(), id == null ? "" : id.asText(), t == null ? 0 : t.asLong(), json);
        } catch (IOException e) {
            return null;
        }
    }

    private void drainStderr() {
        try (InputStream err = process.getErrorStream()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(err, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                log.debug("Node peer {} stderr: {}", script, line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /**
     * {@code -Dopenrtc.peers.dir} or {@code OPENRTC_PEERS_DIR}; else {@code openrtc-test/peers}
     * in the working directory or one of its parents.
     */
    static Path peersDirectory() {
        String configured = System.getProperty("openrtc.peers.dir", System.getenv("OPENRTC_PEERS_DIR"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("openrtc-test/peers");
            if (Files.isRegularFile(candidate.resolve("package.json"))) {
                return candidate;
            }
            if (dir.getFileName() != null && dir.getFileName().toString().equals("openrtc-test")
                    && Files.isRegularFile(dir.resolve("peers/package.json"))) {
                return dir.resolve("peers");
            }
        }
        throw new IllegalStateException("could not find openrtc-test/peers above " + Path.of("").toAbsolutePath()
                + "; set -Dopenrtc.peers.dir");
    }
}
