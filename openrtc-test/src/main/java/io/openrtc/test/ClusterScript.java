package io.openrtc.test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code scripts/livekit-cluster.sh}: the repository's copy above the working directory,
 * else the one packaged in this jar (as {@link LocalBinaryLiveKitServer} finds its script).
 */
final class ClusterScript {

    private static final Logger log = LoggerFactory.getLogger(ClusterScript.class);
    private static final long TIMEOUT_SECONDS = 180;

    private final Path script;

    private ClusterScript(Path script) {
        this.script = script;
    }

    static ClusterScript locate() throws IOException {
        String configured = System.getProperty("openrtc.livekit.cluster-script", System.getenv("OPENRTC_LIVEKIT_CLUSTER_SCRIPT"));
        if (configured != null && !configured.isBlank()) {
            return new ClusterScript(Path.of(configured));
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("scripts/livekit-cluster.sh");
            if (Files.isRegularFile(candidate)) {
                return new ClusterScript(candidate);
            }
        }
        try (InputStream in = ClusterScript.class.getResourceAsStream("livekit-cluster.sh")) {
            if (in == null) {
                throw new IOException("livekit-cluster.sh is neither in the repository nor on the classpath");
            }
            Path extracted = Files.createTempFile("openrtc-livekit-cluster", ".sh",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.copy(in, extracted, StandardCopyOption.REPLACE_EXISTING);
            extracted.toFile().deleteOnExit();
            return new ClusterScript(extracted);
        }
    }

    /** Runs the script and returns its standard output; its standard error goes to the log. */
    String run(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        StringBuilder err = new StringBuilder();
        Thread errReader = Thread.ofVirtual().start(() -> {
            try (InputStream in = process.getErrorStream()) {
                err.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process went away; what we have is enough
            }
        });
        String out;
        try (InputStream in = process.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("livekit-cluster.sh " + String.join(" ", args) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            errReader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running livekit-cluster.sh " + String.join(" ", args), e);
        }
        String errText = err.toString().strip();
        if (!errText.isEmpty()) {
            log.info("{}", errText);
        }
        if (process.exitValue() != 0) {
            throw new IOException("livekit-cluster.sh " + String.join(" ", args) + " failed (exit " + process.exitValue() + "): " + errText);
        }
        return out;
    }

    /** The {@code KEY=value} lines of the script's output. */
    static Map<String, String> parseEnv(String output) {
        Map<String, String> env = new HashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (line.startsWith("LIVEKIT_") && eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1).strip());
            }
        }
        return env;
    }
}
