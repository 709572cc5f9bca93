package io.openrtc.spring.devservices;

import io.openrtc.spring.autoconfigure.DevelopmentLiveKitServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * A livekit-server started for this application through the project's
 * {@code livekit-server.sh} (shipped in this jar): built once from the Go module proxy into
 * {@code ~/.cache/openrtc}, run in the test network namespace {@code openrtc-test} when this
 * JVM is root on Linux and on this host otherwise, and stopped when the application stops.
 * Its URL and API key are logged; its secret never is.
 *
 * <p>Under DevTools the server outlives restarts (one per JVM, stopped when the JVM exits), so
 * a restart does not wait for a new server.
 */
public final class LiveKitDevServer implements DevelopmentLiveKitServer, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(LiveKitDevServer.class);
    private static final String SCRIPT_RESOURCE = "livekit-server.sh";
    private static final long START_TIMEOUT_SECONDS = 120;
    private static final long INSTALL_TIMEOUT_SECONDS = 30 * 60;

    /** Kept across DevTools restarts: this class lives in the base class loader, as jars do. */
    private static LiveKitDevServer shared;

    private final Path script;
    private final String name;
    private final Map<String, String> scriptEnv;
    private final String url;
    private final String apiKey;
    private final String apiSecret;
    private final String network;
    private final long pid;
    private final Path stateDir;
    private volatile boolean stopped;

    private LiveKitDevServer(Path script, String name, Map<String, String> scriptEnv, Map<String, String> env) {
        this.script = script;
        this.name = name;
        this.scriptEnv = scriptEnv;
        this.url = env.get("LIVEKIT_URL");
        this.apiKey = env.get("LIVEKIT_API_KEY");
        this.apiSecret = env.get("LIVEKIT_API_SECRET");
        this.network = env.getOrDefault("LIVEKIT_SERVER_NETWORK", "host");
        this.pid = Long.parseLong(env.getOrDefault("LIVEKIT_SERVER_PID", "-1"));
        String log = env.get("LIVEKIT_SERVER_LOG");
        this.stateDir = log == null ? null : Path.of(log).getParent();
    }

    /** This JVM's server: the running one kept across a DevTools restart, else a new one. */
    static synchronized LiveKitDevServer obtain(String port) {
        if (shared != null && shared.isRunning()) {
            log.info("Reusing the development LiveKit server at {} (API key {}) across the restart", shared.url, shared.apiKey);
            return shared;
        }
        LiveKitDevServer server = start(port);
        if (DevServices.devToolsPresent()) {
            shared = server;
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "openrtc-dev-livekit-stop"));
        }
        return server;
    }

    static LiveKitDevServer start(String port) {
        Path script = extractScript();
        Map<String, String> scriptEnv = new HashMap<>();
        if (System.getenv("OPENRTC_TEST_SERVER_IP") == null && "host".equals(run(script, List.of("network"), scriptEnv, 10))) {
            // Host mode: WebRTC does not use loopback, so bind to and advertise an address of this machine.
            String address = siteAddress();
            if (address != null) {
                scriptEnv.put("OPENRTC_TEST_SERVER_IP", address);
            }
        }
        ensureInstalled(script, scriptEnv);
        String name = "dev-" + ProcessHandle.current().pid();
        long started = System.nanoTime();
        Map<String, String> env = parseEnv(run(script, List.of("start", "--name", name, "--port", port), scriptEnv,
                START_TIMEOUT_SECONDS));
        LiveKitDevServer server = new LiveKitDevServer(script, name, scriptEnv, env);
        log.info("Started a development LiveKit server at {} (API key {}; the secret is not logged) {}, in {} ms; it stops "
                        + "with the application. Set LIVEKIT_URL or openrtc.livekit.url to use another server, or "
                        + "openrtc.dev.livekit-server=never.", server.url, server.apiKey,
                "netns".equals(server.network) ? "in the network namespace openrtc-test" : "on this host",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return server;
    }

    private static void ensureInstalled(Path script, Map<String, String> scriptEnv) {
        String binary = run(script, List.of("path"), scriptEnv, 10).strip();
        if (Files.isExecutable(Path.of(binary))) {
            return;
        }
        log.info("livekit-server is not installed: building it once with `go install` from the Go module proxy into {} "
                + "(needs Go; takes a few minutes the first time, then starts in about a second)", Path.of(binary).getParent());
        long started = System.nanoTime();
        run(script, List.of("install"), scriptEnv, INSTALL_TIMEOUT_SECONDS);
        log.info("Built livekit-server in {} s", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
    }

    @Override
    public String getUrl() {
        return url;
    }

    @Override
    public String getApiKey() {
        return apiKey;
    }

    @Override
    public String getApiSecret() {
        return apiSecret;
    }

    /** The server's process id. */
    public long pid() {
        return pid;
    }

    /** The instance name under {@code livekit-server.sh}'s state directory. */
    public String name() {
        return name;
    }

    /** Whether the server process still runs. */
    public boolean isRunning() {
        return !stopped && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Override
    public void destroy() {
        if (this == shared) {
            // DevTools: the next context reuses it; the shutdown hook stops it when the JVM exits.
            return;
        }
        stop();
    }

    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            run(script, List.of("stop", "--name", name), scriptEnv, 30);
            log.info("Stopped the development LiveKit server at {}", url);
            deleteState();
        } catch (RuntimeException e) {
            log.warn("Could not stop the development LiveKit server '{}' (pid {}): {}", name, pid, e.getMessage());
        }
    }

    /** The instance's config, secret and log: nobody restarts a development server by name. */
    private void deleteState() {
        if (stateDir == null || !stateDir.getFileName().toString().equals(name)) {
            return;
        }
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            log.debug("Could not delete {}: {}", stateDir, e.toString());
        }
    }

    @Override
    public String toString() {
        return "LiveKitDevServer[" + url + ", key " + apiKey + ", pid " + pid + "]";
    }

    private static Path extractScript() {
        try (InputStream in = LiveKitDevServer.class.getResourceAsStream(SCRIPT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(SCRIPT_RESOURCE + " is missing from openrtc-spring-boot-devservices");
            }
            Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "openrtc-devservices"));
            Path script = dir.resolve("livekit-server-" + ProcessHandle.current().pid() + ".sh");
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
            script.toFile().deleteOnExit();
            return script;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not extract " + SCRIPT_RESOURCE, e);
        }
    }

    /** A non-loopback IPv4 address of an interface that is up, for host mode; null if none. */
    static String siteAddress() {
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback() || nic.isVirtual()) {
                    continue;
                }
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                        return address.getHostAddress();
                    }
                }
            }
        } catch (SocketException e) {
            log.debug("Could not list the network interfaces: {}", e.toString());
        }
        return null;
    }

    static Map<String, String> parseEnv(String output) {
        Map<String, String> env = new HashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (line.startsWith("LIVEKIT_") && eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1).strip());
            }
        }
        for (String key : List.of("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "LIVEKIT_SERVER_PID")) {
            if (!env.containsKey(key)) {
                throw new IllegalStateException("livekit-server.sh start printed no " + key);
            }
        }
        return env;
    }

    /**
     * Runs the script; returns its standard output (which may hold the secret: never logged).
     * Its standard error (progress lines, no secrets) goes to the debug log, and into the
     * exception when it fails.
     */
    private static String run(Path script, List<String> args, Map<String, String> env, long timeoutSeconds) {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(args);
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(env);
            Process process = builder.start();
            process.getOutputStream().close();
            StringBuilder err = new StringBuilder();
            Thread errReader = Thread.ofVirtual().start(() -> {
                try (InputStream in = process.getErrorStream()) {
                    err.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the process went away
                }
            });
            String out;
            try (InputStream in = process.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("livekit-server.sh " + String.join(" ", args) + " did not finish within "
                        + timeoutSeconds + " s");
            }
            errReader.join(5_000);
            if (!err.isEmpty()) {
                log.debug("livekit-server.sh {}: {}", args.getFirst(), err.toString().strip());
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("livekit-server.sh " + String.join(" ", args) + " failed (exit "
                        + process.exitValue() + "): " + err.toString().strip());
            }
            return out.strip();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not run livekit-server.sh " + String.join(" ", args), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running livekit-server.sh " + args.getFirst(), e);
        }
    }
}
