package io.openrtc.sample;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.ScriptedChatServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;

/**
 * Nothing secret leaves the process in a log line or an Actuator answer: the sample app runs a
 * whole call (job, room join with its token, a typed turn answered through the model) with
 * {@code io.openrtc} at DEBUG, every log event of every logger is kept (message, arguments'
 * rendering, stack traces, MDC), and the Actuator endpoints are read; none may hold the API
 * secret or a JWT (every LiveKit token is one).
 */
@LiveKitServerTest
class SampleAppSecretsTest {

    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}");
    private static final String WORKER_NAME = "secrets";

    @Test
    void noLogLineAndNoActuatorAnswerHoldsTheSecretOrAToken(LiveKitServer server) throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
        try (ScriptedChatServer chat = ScriptedChatServer.start(); NodePeer callers = NodePeer.start("caller.mjs")) {
            chat.otherwise().reply("Happy to book a table. How many guests?");
            ConfigurableApplicationContext app = new SpringApplicationBuilder(SampleApplication.class)
                    .listeners(new CaptureEveryLogEvent(lines))
                    .initializers(context -> context.getBeanFactory()
                            .registerSingleton("testEventRecorder", (OpenRtcListener) events::add))
                    .properties(
                            "openrtc.livekit.url=" + server.url(),
                            "openrtc.livekit.api-key=" + server.apiKey(),
                            "openrtc.livekit.api-secret=" + server.apiSecret(),
                            "openrtc.agent-name=" + WORKER_NAME,
                            "logging.level.io.openrtc=DEBUG",
                            "sample.session-length=0s",
                            "server.port=0",
                            "spring.ai.openai.api-key=test-key",
                            "spring.ai.openai.chat.base-url=" + chat.baseUrl(),
                            "spring.ai.openai.audio.transcription.base-url=http://127.0.0.1:9/v1",
                            "spring.ai.openai.audio.speech.base-url=http://127.0.0.1:9/v1",
                            "spring.ai.openai.embedding.base-url=http://127.0.0.1:9/v1",
                            "spring.ai.openai.image.base-url=http://127.0.0.1:9/v1",
                            "spring.ai.openai.moderation.base-url=http://127.0.0.1:9/v1")
                    .run();
            List<String> answers = new CopyOnWriteArrayList<>();
            try {
                String room = Dispatches.untilAccepted("secrets", r -> assertThat(server.agentDispatch()
                        .createDispatch(r, WORKER_NAME, "{\"agent\":\"restaurant\"}").execute().isSuccessful()).isTrue(),
                        r -> events.stream().anyMatch(e -> e instanceof OpenRtcEvent.JobAccepted a && a.job().roomName().equals(r)));
                String agent = "agent-" + events.stream().filter(OpenRtcEvent.JobAccepted.class::isInstance)
                        .map(OpenRtcEvent.JobAccepted.class::cast).filter(a -> a.job().roomName().equals(room)).findFirst()
                        .orElseThrow().job().jobId();
                callers.joinCaller("diner", server.url(), server.participantToken(room, "diner"), 0, List.of("lk.chat"), List.of());
                callers.await(e -> e.is("joined", "diner"), Duration.ofSeconds(30));
                // Typed until answered (the first message of a session may still be lost: issue 17, defect 11).
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(3)).until(() -> {
                    callers.sendText("diner", "t" + System.nanoTime(), "lk.chat", "Hello, a table please", Map.of());
                    return callers.events().stream().anyMatch(e -> e.is("text", "diner") && e.text("sender").equals(agent));
                });
                for (String path : List.of("/actuator", "/actuator/health", "/actuator/health/readiness", "/actuator/openrtc",
                        "/actuator/prometheus")) {
                    answers.add(path + ": " + Scrapes.get(app, path));
                }
                callers.leaveCaller("diner");
                server.roomService().deleteRoom(room).execute();
            } finally {
                app.close();
            }
            // Not vacuous: the call ran, tokens were used, and DEBUG lines of the room and worker were kept.
            assertThat(lines).anyMatch(l -> l.contains("io.openrtc.rtc") && l.startsWith("DEBUG"));
            assertThat(lines).anyMatch(l -> l.contains("Joined room"));
            assertThat(lines.size()).isGreaterThan(50);
            for (String line : lines) {
                assertThat(line).as("a log line").doesNotContain(server.apiSecret()).doesNotContainPattern(JWT);
            }
            for (String answer : answers) {
                assertThat(answer).as("an Actuator answer").doesNotContain(server.apiSecret()).doesNotContainPattern(JWT);
            }
            System.out.printf("[secrets] %d log lines and %d Actuator answers checked: no API secret, no token%n",
                    lines.size(), answers.size());
        }
    }

    /**
     * Adds an appender that keeps every log event, once Spring Boot has set up logging (its
     * listener runs first on this event and replaces the configuration).
     */
    private record CaptureEveryLogEvent(List<String> lines) implements ApplicationListener<ApplicationEnvironmentPreparedEvent>,
            Ordered {

        @Override
        public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
            LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
            AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
                @Override
                protected void append(ILoggingEvent e) {
                    String thrown = e.getThrowableProxy() == null ? "" : " " + ThrowableProxyUtil.asString(e.getThrowableProxy());
                    lines.add(e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage() + " "
                            + e.getMDCPropertyMap() + thrown);
                }
            };
            appender.setContext(context);
            appender.start();
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
            context.getLogger("io.openrtc").setLevel(Level.DEBUG);
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }
}
