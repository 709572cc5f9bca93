package io.openrtc.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A livekit-server process of our own, started and stopped through
 * {@code scripts/livekit-server.sh} (the same script developers and CI use), which also puts
 * it in the test network namespace where that applies.
 */
final class LocalBinaryLiveKitServer implements LiveKitServer {

    private static final Logger log = LoggerFactory.getLogger(LocalBinaryLiveKitServer.class);
    private static final Pattern VERSION = Pattern.compile("\"version\":\\s*\"([^\"]+)\"|version[=:]\\s*\"?([0-9][0-9A-Za-z.+-]*)");
    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(120);

    /** Whether the local backend can run here, and if not, why. */
    record Availability(boolean available, String reason, Path script) {
    }

    private final Path script;
    private final String name;
    private final URI url;
    private final String apiKey;
    private final String apiSecret;
    private final Path logFile;
    private final TestNetwork network;
    private volatile boolean running = true;

    private LocalBinaryLiveKitServer(Path script, String name, Map<String, String> env, TestNetwork network) {
        this.script = script;
        this.name = name;
        this.network = network;
        this.url = URI.create(env.get("LIVEKIT_URL"));
        this.apiKey = env.get("LIVEKIT_API_KEY");
        this.apiSecret = env.get("LIVEKIT_API_SECRET");
        this.logFile = Path.of(env.get("LIVEKIT_SERVER_LOG"));
    }

    static Availability availability() {
        Path script;
        try {
            script = locateScript();
        } catch (IOException e) {
            return new Availability(false, "could not extract livekit-server.sh: " + e.getMessage(), null);
        }
        try {
            String binary = run(script, List.of("path")).trim();
            if (!Files.isExecutable(Path.of(binary))) {
                install(script);
            }
            if (!Files.isExecutable(Path.of(binary))) {
                return new Availability(false, "no livekit-server binary at " + binary
                        + " (run scripts/livekit-server.sh install)", script);
            }
            return new Availability(true, "", script);
        } catch (IOException e) {
            return new Availability(false, e.getMessage(), script);
        }
    }

    private static boolean installTried;

    /**
     * Builds the binary once per JVM when Go is there, so that {@code ./mvnw verify} works on a
     * fresh clone ({@code go install} from the Go module proxy; a few minutes the first time).
     */
    private static synchronized void install(Path script) {
        if (installTried) {
            return;
        }
        installTried = true;
        System.out.println("[openrtc-test] livekit-server is not installed: running livekit-server.sh install (go install, once)");
        long started = System.nanoTime();
        try {
            Process process = new ProcessBuilder("bash", script.toString(), "install").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(30, TimeUnit.MINUTES)) {
                process.destroyForcibly();
            }
            System.out.printf("[openrtc-test] livekit-server.sh install exited %d after %d s%n",
                    process.isAlive() ? -1 : process.exitValue(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
        } catch (IOException e) {
            log.warn("Could not run livekit-server.sh install: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static LocalBinaryLiveKitServer launch(Availability availability) {
        return launch(availability, null);
    }

    /** Starts a server; in {@code network}'s own namespace when not null, else the shared one. */
    static LocalBinaryLiveKitServer launch(Availability availability, TestNetwork network) {
        String name = "junit-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            if (network != null && !run(availability.script(), List.of("network"), Map.of()).strip().equals("netns")) {
                throw new IllegalStateException("the network '" + network.name() + "' needs netns mode (root on Linux, "
                        + "OPENRTC_TEST_NETWORK unset or netns)");
            }
            Map<String, String> env = parseEnv(run(availability.script(), List.of("start", "--name", name, "--port", "auto"),
                    network == null ? Map.of() : network.scriptEnvironment()));
            LocalBinaryLiveKitServer server = new LocalBinaryLiveKitServer(availability.script(), name, env, network);
            log.info("Started local livekit-server {} at {} ({})", server.version(), server.url, server.versionLine());
            System.out.println("[openrtc-test] livekit-server " + server.versionLine());
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the local livekit-server: " + e.getMessage(), e);
        }
    }

    @Override
    public URI url() {
        return url;
    }

    @Override
    public String apiKey() {
        return apiKey;
    }

    @Override
    public String apiSecret() {
        return apiSecret;
    }

    @Override
    public LiveKitServerBackend backend() {
        return LiveKitServerBackend.LOCAL_BINARY;
    }

    @Override
    public String version() {
        Matcher m = VERSION.matcher(versionLine());
        if (m.find()) {
            return m.group(1) != null ? m.group(1) : m.group(2);
        }
        return "unknown";
    }

    /** The server's startup log line that names its version. */
    String versionLine() {
        try {
            for (String line : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
                if (line.contains("starting LiveKit server")) {
                    return line.strip();
                }
            }
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
        return "(no version line in " + logFile + ")";
    }

    @Override
    public java.util.Optional<Path> logFile() {
        return java.util.Optional.of(logFile);
    }

    @Override
    public synchronized void restart() throws IOException {
        run(script, List.of("restart", "--name", name));
        running = true;
    }

    @Override
    public synchronized void stop() throws IOException {
        // The network stays so the address answers "refused", as a stopped server's would.
        run(script, List.of("stop", "--name", name, "--keep-network"));
        running = false;
    }

    @Override
    public synchronized void start() throws IOException {
        run(script, List.of("restart", "--name", name));
        running = true;
    }

    @Override
    public synchronized void cutNetwork() throws IOException {
        requireOwnNetwork();
        run(script, List.of("link-down", "--name", name));
    }

    @Override
    public synchronized void restoreNetwork() throws IOException {
        requireOwnNetwork();
        run(script, List.of("link-up", "--name", name));
    }

    private void requireOwnNetwork() {
        if (network == null) {
            // The shared namespace carries every other test's traffic: its link is never cut.
            throw new UnsupportedOperationException(this + " runs in the shared test network; "
                    + "cutting its link needs @LiveKitServerTest(network = \"" + TestNetwork.NETLOSS.name() + "\")");
        }
    }

    @Override
    public synchronized void close() throws IOException {
        run(script, List.of("stop", "--name", name));
        running = false;
    }

    @Override
    public String toString() {
        return "local livekit-server '" + name + "' at " + url + (network == null ? "" : " (network " + network.name() + ")");
    }

    private static Map<String, String> parseEnv(String output) {
        Map<String, String> env = ProjectScript.livekitEnv(output);
        for (String key : List.of("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "LIVEKIT_SERVER_LOG")) {
            if (!env.containsKey(key)) {
                throw new IllegalStateException("livekit-server.sh start printed no " + key);
            }
        }
        return env;
    }

    /**
     * The script: {@code -Dopenrtc.livekit.script} or {@code OPENRTC_LIVEKIT_SCRIPT}; else the
     * repository's {@code scripts/livekit-server.sh} above the working directory; else the copy
     * packaged in this jar.
     */
    private static Path locateScript() throws IOException {
        return ProjectScript.locate("livekit-server.sh", "openrtc.livekit.script", "OPENRTC_LIVEKIT_SCRIPT", SCRIPT_TIMEOUT)
                .path();
    }

    private static String run(Path script, List<String> args) throws IOException {
        return run(script, args, Map.of());
    }

    private static String run(Path script, List<String> args, Map<String, String> env) throws IOException {
        return new ProjectScript(script, SCRIPT_TIMEOUT).run(args, env);
    }
}
