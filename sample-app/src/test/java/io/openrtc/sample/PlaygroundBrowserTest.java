package io.openrtc.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import io.openrtc.runtime.AgentPool;
import io.openrtc.spring.autoconfigure.LiveKitConnectionDetails;
import io.openrtc.spring.autoconfigure.LiveKitCredentials;
import io.openrtc.spring.devservices.LiveKitDevServer;
import io.openrtc.test.ScriptedChatServer;
import io.openrtc.test.SpeechServer;
import io.openrtc.test.SpeechServerTest;
import io.openrtc.test.Tones;
import io.openrtc.test.Wav;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The README's first command, as a new user meets it: the sample app started with no LiveKit
 * configured starts a development livekit-server of its own (openrtc-spring-boot-devservices)
 * and registers with it; the playground, in a real headless Chromium with a fake microphone fed
 * from a WAV, talks to the agents: the {@code echo} agent sends the page's own tone back
 * (measured in the page with the Web Audio API) and answers an RPC call, the restaurant agent's transcript of what the
 * microphone said appears, a chat message gets its reply, and the session panel (over the
 * WebSocket) shows each session start and end. The API secret is in no HTTP response, no
 * WebSocket message and no log line. When the app stops, so does the server it started.
 */
@SpeechServerTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlaygroundBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final double TONE_HZ = 440;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<String> logLines = new CopyOnWriteArrayList<>();
    private static final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
    private static final List<String> httpBodies = new CopyOnWriteArrayList<>();
    private static ConfigurableApplicationContext app;
    private static ScriptedChatServer chat;
    private static LiveKitDevServer devServer;
    private static String base;
    private static AppenderBase<ILoggingEvent> capture;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startTheSampleWithNoLiveKitConfigured(SpeechServer speech) {
        assertThat(System.getenv("LIVEKIT_URL")).as("this test starts the development server: LIVEKIT_URL must be unset").isNull();
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
                .as("the playground test needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver")
                .isTrue();
        capture = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                logLines.add(event.getFormattedMessage() + (event.getThrowableProxy() == null ? "" : " " + event.getThrowableProxy().getMessage()));
            }
        };

        chat = ScriptedChatServer.start();
        chat.when(r -> r.lastMessageIsToolResult()).reply(r -> "Done. " + r.lastToolResult().replace("\"", ""));
        chat.when(r -> r.lastUserText().toLowerCase().contains("window")).reply("Yes, we have a table by the window.");
        chat.otherwise().reply("Happy to book a table. How many guests, and at what time?");
        app = new SpringApplicationBuilder(SampleApplication.class)
                // After Boot's logging system has (re)initialised logback: from then on, every line.
                .listeners((ApplicationListener<ApplicationEnvironmentPreparedEvent>) event -> {
                    LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
                    capture.setContext(logging);
                    capture.start();
                    logging.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(capture);
                })
                .initializers(context -> context.getBeanFactory().registerSingleton("testEvents", (OpenRtcListener) events::add))
                .properties(
                        // No openrtc.livekit.* and no LIVEKIT_*: tests must ask for the development server.
                        "openrtc.dev.livekit-server=always",
                        "server.port=0",
                        "sample.echo.delay=300ms",
                        "spring.ai.openai.api-key=test-key",
                        "spring.ai.openai.chat.base-url=" + chat.baseUrl(),
                        "spring.ai.openai.audio.transcription.base-url=" + speech.openAiBaseUrl(),
                        "spring.ai.openai.audio.speech.base-url=" + speech.openAiBaseUrl(),
                        "spring.ai.openai.embedding.base-url=http://127.0.0.1:9/v1",
                        "spring.ai.openai.image.base-url=http://127.0.0.1:9/v1",
                        "spring.ai.openai.moderation.base-url=http://127.0.0.1:9/v1")
                .run();
        devServer = app.getBean(LiveKitDevServer.class);
        base = "http://localhost:" + app.getEnvironment().getProperty("local.server.port");
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (chat != null) {
            chat.close();
        }
        if (capture != null) {
            ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(capture);
        }
    }

    @Test
    @Order(1)
    void theSampleRegistersWithTheDevelopmentServerItStarted() {
        assertThat(devServer.isRunning()).isTrue();
        assertThat(app.getBean(LiveKitConnectionDetails.class)).isSameAs(devServer);
        LiveKitCredentials credentials = app.getBean(LiveKitCredentials.class);
        assertThat(credentials.url().toString()).isEqualTo(devServer.getUrl());
        await().atMost(Duration.ofSeconds(30)).until(() -> events.stream().anyMatch(OpenRtcEvent.WorkerRegistered.class::isInstance));
        assertThat(app.getBean(AgentPool.class).snapshot().worker().state()).isEqualTo(ConnectionState.REGISTERED);
        assertThat(logLines).anyMatch(l -> l.contains("Started a development LiveKit server at " + devServer.getUrl())
                && l.contains(devServer.getApiKey()));
        assertThat(logLines).anyMatch(l -> l.contains("OpenRTC playground: http://localhost:") && l.contains("/openrtc/playground"));
    }

    @Test
    @Order(2)
    void theEchoAgentSendsThePagesOwnAudioBackAndThePanelShowsTheSession() throws Exception {
        Path tone = toneBursts(dir.resolve("tone.wav"));
        List<String> panel = new CopyOnWriteArrayList<>();
        WebSocket socket = panelSocket(panel);
        WebDriver browser = chromium(tone);
        try {
            browser.get(base + "/openrtc/playground");
            connectTo(browser, "echo");
            String room = (String) js(browser, "return window.openrtcPlayground.room");
            assertThat(room).startsWith("playground-echo-");
            // The tone goes out through the page's microphone and comes back as the agent's track.
            await().atMost(Duration.ofSeconds(30)).until(() -> ((Number) js(browser,
                    "return window.openrtcPlayground.agentAudio.loudFrames")).intValue() >= 10);
            double hz = ((Number) js(browser, "return window.openrtcPlayground.agentAudio.dominantHz")).doubleValue();
            System.out.printf("[playground] echo: %s loud frames back, dominant %.0f Hz (sent %.0f Hz)%n",
                    js(browser, "return window.openrtcPlayground.agentAudio.loudFrames"), hz, TONE_HZ);
            assertThat(hz).isBetween(TONE_HZ - 30, TONE_HZ + 30);
            // The agent's RPC method, called from the page's RPC box.
            browser.findElement(By.id("rpc-method")).sendKeys("get_delay");
            browser.findElement(By.id("rpc-call")).click();
            await().atMost(Duration.ofSeconds(10)).until(() -> "300 ms".equals(js(browser,
                    "const r = window.openrtcPlayground.rpc[0]; return r && r.response")));
            // The page's panel and a second subscriber both saw the session start...
            await().atMost(Duration.ofSeconds(10)).until(() -> panelRow(browser, room).equals("running"));
            assertThat(panel).anyMatch(m -> m.contains("\"type\":\"session-started\"") && m.contains(room));
            browser.findElement(By.id("disconnect")).click();
            // ...and end.
            await().atMost(Duration.ofSeconds(30)).until(() -> panelRow(browser, room).equals("success"));
            await().atMost(Duration.ofSeconds(10)).until(() -> panel.stream()
                    .anyMatch(m -> m.contains("\"type\":\"session-ended\"") && m.contains(room) && m.contains("\"outcome\":\"success\"")));
        } finally {
            browser.quit();
            socket.abort();
        }
        assertThat(panel).noneMatch(m -> m.contains(devServer.getApiSecret()));
    }

    @Test
    @Order(3)
    void theRestaurantAgentTranscribesTheMicrophoneAndAnswersTheChat(SpeechServer speech) throws Exception {
        Wav said = Wav.read(speech.synthesize("Hello, do you have a table by the window?"));
        Path microphone = withSilence(said, 7000).write(dir.resolve("question.wav"));
        WebDriver browser = chromium(microphone);
        try {
            browser.get(base + "/openrtc/playground");
            connectTo(browser, "restaurant");
            // The agent's state shows on the page (lk.agent.state).
            await().atMost(Duration.ofSeconds(30)).until(() -> js(browser, "return window.openrtcPlayground.agentState") != null);
            // What the microphone said, transcribed by the agent (lk.transcription), on the page.
            await().atMost(Duration.ofSeconds(60)).until(() -> (Boolean) js(browser,
                    "return window.openrtcPlayground.transcripts.some(t => t.who === 'you' && t.final && /window/i.test(t.text))"));
            // A typed message and its reply (lk.chat).
            browser.findElement(By.id("chat-input")).sendKeys("Could we sit by the window?");
            browser.findElement(By.id("chat-send")).click();
            await().atMost(Duration.ofSeconds(30)).until(() -> (Boolean) js(browser,
                    "return window.openrtcPlayground.chat.some(c => c.who === 'agent' && c.text.includes('by the window'))"));
            Thread.sleep(500);
            byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
            Path screenshot = Path.of("target", "playground.png");
            Files.createDirectories(screenshot.getParent());
            Files.write(screenshot, png);
            System.out.println("[playground] screenshot: " + screenshot.toAbsolutePath());
            httpBodies.add(browser.getPageSource());
            browser.findElement(By.id("disconnect")).click();
        } finally {
            browser.quit();
        }
    }

    @Test
    @Order(4)
    void theSecretIsInNoResponseAndNoLogLine() throws Exception {
        String secret = devServer.getApiSecret();
        assertThat(secret).hasSizeGreaterThan(20);
        for (String path : List.of("/openrtc/playground", "/openrtc/sessions", "/openrtc/playground/agents",
                "/openrtc/playground/static/playground.js", "/openrtc/playground/static/livekit-client.umd.js",
                "/actuator/openrtc", "/actuator/health", "/actuator/prometheus")) {
            httpBodies.add(get(path).body());
        }
        HttpResponse<String> connect = post("/openrtc/playground/connect", "{\"agent\":\"echo\"}");
        assertThat(connect.statusCode()).isEqualTo(200);
        httpBodies.add(connect.body() + connect.headers().map());
        String token = connect.body().replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
        // The token is a participant's, for its one room: no admin, no other room.
        String claims = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        String room = connect.body().replaceAll(".*\"room\":\"([^\"]+)\".*", "$1");
        assertThat(claims).contains("\"room\":\"" + room + "\"").contains("\"roomJoin\":true")
                .doesNotContain("roomAdmin").doesNotContain("roomCreate").doesNotContain("roomList").doesNotContain("agent\":true");
        assertThat(post("/openrtc/playground/disconnect", "{\"room\":\"" + room + "\"}").statusCode()).isEqualTo(200);
        assertThat(post("/openrtc/playground/connect", "{\"agent\":\"plumber\"}").statusCode()).isEqualTo(404);
        assertThat(httpBodies).noneMatch(b -> b.contains(secret));
        assertThat(logLines).isNotEmpty().noneMatch(l -> l.contains(secret));
    }

    @Test
    @Order(5)
    void stoppingTheAppStopsTheServerItStarted() {
        long pid = devServer.pid();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
        app.close();
        await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        assertThat(devServer.isRunning()).isFalse();
        assertThat(logLines).noneMatch(l -> l.contains(devServer.getApiSecret()));
    }

    private static void connectTo(WebDriver browser, String agent) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !browser.findElements(By.cssSelector("#agent option")).isEmpty());
        js(browser, "document.getElementById('agent').value = arguments[0]", agent);
        browser.findElement(By.id("connect")).click();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            String error = browser.findElement(By.id("error")).getText();
            assertThat(error).as("the page's error line").isEmpty();
            return "connected, microphone on".equals(js(browser, "return window.openrtcPlayground.connection"));
        });
    }

    private static String panelRow(WebDriver browser, String room) {
        Object outcome = js(browser, "const s = Object.values(window.openrtcPlayground.sessions).find(s => s.room === arguments[0]);"
                + " return s ? s.outcome : '';", room);
        return String.valueOf(outcome);
    }

    private static Object js(WebDriver browser, String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private static WebDriver chromium(Path microphone) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                "--use-file-for-fake-audio-capture=" + microphone.toAbsolutePath(),
                "--autoplay-policy=no-user-gesture-required",
                // Host candidates as addresses, not mDNS names livekit-server cannot resolve.
                "--disable-features=WebRtcHideLocalIpsWithMdns");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
        return new ChromeDriver(service, options);
    }

    private static WebSocket panelSocket(List<String> messages) {
        String ws = base.replace("http:", "ws:") + "/openrtc/playground/events";
        return HTTP.newWebSocketBuilder().buildAsync(URI.create(ws), new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    messages.add(partial.toString());
                    partial.setLength(0);
                }
                webSocket.request(1);
                return CompletableFuture.completedFuture(null);
            }
        }).join();
    }

    /** 440 Hz in 400 ms bursts with 400 ms gaps (a steady tone could be taken for noise), 8 s. */
    private static Path toneBursts(Path path) throws Exception {
        int rate = 48_000;
        short[] samples = new short[rate * 8];
        short[] tone = Tones.sine(TONE_HZ, rate, 0, samples.length);
        for (int i = 0; i < samples.length; i++) {
            boolean on = (i / (rate * 4 / 10)) % 2 == 0;
            samples[i] = on ? (short) (tone[i] / 2) : 0;
        }
        return Wav.of(rate, 1, samples).write(path);
    }

    private static Wav withSilence(Wav wav, int millis) {
        short[] speech = wav.samples();
        short[] out = new short[speech.length + wav.sampleRate() * millis / 1000 * wav.channels()];
        System.arraycopy(speech, 0, out, 0, speech.length);
        return Wav.of(wav.sampleRate(), wav.channels(), out);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
