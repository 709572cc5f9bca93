package io.openrtc.test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the repository's {@code scripts/*.sh} (the same scripts developers and CI run), found as
 * a system property or environment variable names it, else above the working directory, else as
 * the copy packaged in this jar, so projects outside this repository get the same backends.
 *
 * @param path    the script file
 * @param timeout the longest one run may take
 */
record ProjectScript(Path path, Duration timeout) {

    private static final Logger log = LoggerFactory.getLogger(ProjectScript.class);

    /**
     * Finds {@code scripts/<fileName>}.
     *
     * @param property a system property that may name the script
     * @param envVar   an environment variable that may name it
     */
    static ProjectScript locate(String fileName, String property, String envVar, Duration timeout) throws IOException {
        String configured = System.getProperty(property, System.getenv(envVar));
        if (configured != null && !configured.isBlank()) {
            return new ProjectScript(Path.of(configured), timeout);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("scripts").resolve(fileName);
            if (Files.isRegularFile(candidate)) {
                return new ProjectScript(candidate, timeout);
            }
        }
        try (InputStream in = ProjectScript.class.getResourceAsStream(fileName)) {
            if (in == null) {
                throw new IOException(fileName + " is neither in the repository nor on the classpath");
            }
            Path extracted = Files.createTempFile("openrtc-" + fileName.replace(".sh", ""), ".sh",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.copy(in, extracted, StandardCopyOption.REPLACE_EXISTING);
            extracted.toFile().deleteOnExit();
            return new ProjectScript(extracted, timeout);
        }
    }

    /** Runs the script and returns its standard output; its standard error goes to the log. */
    String run(String... args) throws IOException {
        return run(List.of(args), Map.of());
    }

    /** Runs the script with {@code env} added to its environment. */
    String run(List<String> args, Map<String, String> env) throws IOException {
        String what = path.getFileName() + " " + String.join(" ", args);
        List<String> command = new ArrayList<>(List.of("bash", path.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        Process process = builder.start();
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
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(what + " did not finish within " + timeout.toSeconds() + " s");
            }
            errReader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + what, e);
        }
        String errText = err.toString().strip();
        if (!errText.isEmpty()) {
            log.info("{}", errText);
        }
        if (process.exitValue() != 0) {
            throw new IOException(what + " failed (exit " + process.exitValue() + "): " + errText);
        }
        return out;
    }

    /** The {@code LIVEKIT_*=value} lines of a script's output. */
    static Map<String, String> livekitEnv(String output) {
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
