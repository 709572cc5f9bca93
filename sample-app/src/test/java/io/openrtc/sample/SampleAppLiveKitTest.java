package io.openrtc.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.ScriptedChatServer;
import io.openrtc.test.SpeechServer;
import io.openrtc.test.SpeechServerTest;
import io.openrtc.test.Transcripts;
import io.openrtc.test.Wav;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The sample application, running as users run it, against a real livekit-server: every routing
 * signal reaches the right agent, an unknown agent is declined and counted, the echo agent repeats
 * what a real LiveKit caller (LiveKit's Node SDK) says, and the voice agents work through Spring
 * AI's OpenAI starter pointed, as docs/voice.md shows, at OpenAI-compatible servers: the local
 * speech server for speech and the scripted chat server (the one stub) for the model.
 */
@LiveKitServerTest
@SpeechServerTest
class SampleAppLiveKitTest {

    private static final String WORKER_NAME = "sample";
    private static final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
    private static ConfigurableApplicationContext app;
    private static NodePeer callers;
    private static ScriptedChatServer chat;

    @BeforeAll
    static void startTheSampleApp(LiveKitServer server, SpeechServer speech) {
        chat = ScriptedChatServer.start();
        // What a model would do with the sample's restaurant instructions: book, then confirm.
        chat.when(r -> r.lastMessageIsToolResult()).reply(r -> "Done. " + r.lastToolResult().replace("\"", ""));
        chat.when(r -> r.userSaid("table")).respond(r -> io.openrtc.test.Reply.toolCall("book_table",
                bookingArguments(r.lastUserText())));
        chat.otherwise().reply("Happy to book a table. How many guests, and at what time?");
        app = new SpringApplicationBuilder(SampleApplication.class)
                .initializers(context -> context.getBeanFactory()
                        .registerSingleton("testEventRecorder", (OpenRtcListener) events::add))
                .properties(
                        "openrtc.livekit.url=" + server.url(),
                        "openrtc.livekit.api-key=" + server.apiKey(),
                        "openrtc.livekit.api-secret=" + server.apiSecret(),
                        "openrtc.agent-name=" + WORKER_NAME,
                        "sample.session-length=0s",
                        "server.port=0",
                        "spring.ai.openai.api-key=test-key",
                        "spring.ai.openai.chat.base-url=" + chat.baseUrl(),
                        "spring.ai.openai.audio.transcription.base-url=" + speech.openAiBaseUrl(),
                        "spring.ai.openai.audio.speech.base-url=" + speech.openAiBaseUrl(),
                        "spring.ai.openai.embedding.base-url=http://127.0.0.1:9/v1",
                        "spring.ai.openai.image.base-url=http://127.0.0.1:9/v1",
                        "spring.ai.openai.moderation.base-url=http://127.0.0.1:9/v1")
                .run();
    }

    /** The guests and the 24-hour time in "a table for 4 at 7pm" (or "for four at seven p.m."), as a model would read them. */
    static String bookingArguments(String said) {
        java.util.List<String> numbers = java.util.List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                "nine", "ten", "eleven", "twelve");
        String text = said.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9 ]", " ");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("for (\\d+|[a-z]+) at (\\d{1,2}|[a-z]+)").matcher(text);
        if (!m.find()) {
            return "{\"people\":2,\"time\":\"19:00\"}";
        }
        int people = m.group(1).matches("\\d+") ? Integer.parseInt(m.group(1)) : numbers.indexOf(m.group(1));
        int hour = m.group(2).matches("\\d+") ? Integer.parseInt(m.group(2)) : numbers.indexOf(m.group(2));
        return "{\"people\":" + people + ",\"time\":\"" + (hour < 12 ? hour + 12 : hour) + ":00\"}";
    }

    @AfterAll
    static void stop(LiveKitServer server) throws Exception {
        // Sessions last as long as their rooms: end them all, so the app's drain has nothing to wait for.
        for (var room : server.roomService().listRooms(null).execute().body()) {
            server.roomService().deleteRoom(room.getName()).execute();
        }
        if (callers != null) {
            callers.close();
        }
        if (app != null) {
            app.close();
        }
        if (chat != null) {
            chat.close();
        }
    }

    @Test
    void jobMetadataPicksTheAgent(LiveKitServer server) throws Exception {
        String room = Dispatches.untilAccepted("lobby", r -> dispatch(server, r, "{\"agent\":\"dental\"}"), acceptedIn());
        assertThat(agentFor(room)).isEqualTo("dental");
    }

    @Test
    void theDemoKeyInJobMetadataPicksTheAgent(LiveKitServer server) throws Exception {
        String room = Dispatches.untilAccepted("lobby", r -> dispatch(server, r, "{\"demo\":\"restaurant\"}"), acceptedIn());
        assertThat(agentFor(room)).isEqualTo("restaurant");
    }

    @Test
    void roomMetadataPicksTheAgent(LiveKitServer server) throws Exception {
        String room = Dispatches.untilAccepted("front-desk", r -> {
            assertThat(server.roomService().createRoom(r, 60, null, null, "{\"agent\":\"dental\"}").execute().isSuccessful())
                    .isTrue();
            dispatch(server, r, "");
        }, acceptedIn());
        assertThat(agentFor(room)).isEqualTo("dental");
    }

    @Test
    void roomNamePrefixesPickTheAgent(LiveKitServer server) throws Exception {
        String restaurant = Dispatches.untilAccepted("restaurant-123", r -> dispatch(server, r, ""), acceptedIn());
        String dental = Dispatches.untilAccepted("dental-7", r -> dispatch(server, r, ""), acceptedIn());
        assertThat(agentFor(restaurant)).isEqualTo("restaurant");
        assertThat(agentFor(dental)).isEqualTo("dental");
    }

    @Test
    void anUnknownAgentIsDeclinedAndCounted(LiveKitServer server) throws Exception {
        long before = declines(DeclineReason.UNKNOWN_AGENT);
        String room = Dispatches.untilAccepted("lobby", r -> dispatch(server, r, "{\"agent\":\"plumber\"}"),
                r -> events.stream().anyMatch(e -> e instanceof OpenRtcEvent.JobDeclined d && d.job().roomName().equals(r)));
        OpenRtcEvent.JobDeclined declined = events.stream().filter(OpenRtcEvent.JobDeclined.class::isInstance)
                .map(OpenRtcEvent.JobDeclined.class::cast).filter(d -> d.job().roomName().equals(room)).findFirst().orElseThrow();
        assertThat(declined.reason()).isEqualTo(DeclineReason.UNKNOWN_AGENT);
        assertThat(declined.detail()).contains("'plumber'");
        assertThat(declines(DeclineReason.UNKNOWN_AGENT)).isGreaterThan(before);
        assertThat(events).noneMatch(e -> e instanceof OpenRtcEvent.JobAccepted a && a.job().roomName().equals(room));
    }

    @Test
    void theRestaurantAgentBooksATypedRequestWithItsToolAndConfirmsInTheChat(LiveKitServer server) throws Exception {
        callers = callers == null ? NodePeer.start("caller.mjs") : callers;
        String room = Dispatches.untilAccepted("restaurant-chat", r -> dispatch(server, r, ""), acceptedIn());
        assertThat(agentFor(room)).isEqualTo("restaurant");
        String agentIdentity = "agent-" + acceptance(room).job().jobId();

        callers.joinCaller("diner", server.url(), server.participantToken(room, "diner"), 0, List.of("lk.chat"), List.of());
        callers.await(e -> listening(e, agentIdentity), Duration.ofSeconds(30));
        callers.sendText("diner", "booking", "lk.chat", "Hello, a table for 4 at 7pm please", java.util.Map.of());
        NodePeer.Event answer = callers.await(e -> e.is("text", "diner") && e.text("sender").equals(agentIdentity)
                && e.text("text").startsWith("Done."), Duration.ofSeconds(30));
        assertThat(answer.text("text")).isEqualTo("Done. Booked a table for 4 at 19:00.");
        assertThat(answer.text("topic")).isEqualTo("lk.chat");
        // The model was given the agent's instructions and its @Tool methods, and got the tool's result.
        var booked = chat.requests().stream().filter(r -> r.lastMessageIsToolResult()).reduce((a, b) -> b).orElseThrow();
        assertThat(booked.systemPrompt().orElse("")).contains("reservation desk of the Harbour restaurant");
        assertThat(booked.toolNames()).containsExactlyInAnyOrder("book_table", "transfer_to_dental");
        callers.leaveCaller("diner");
        server.roomService().deleteRoom(room).execute();
    }

    @Test
    void theRestaurantAgentBooksASpokenRequestAndSaysSo(LiveKitServer server, SpeechServer speech, @TempDir Path dir)
            throws Exception {
        callers = callers == null ? NodePeer.start("caller.mjs") : callers;
        String room = Dispatches.untilAccepted("restaurant-voice", r -> dispatch(server, r, ""), acceptedIn());
        String agentIdentity = "agent-" + acceptance(room).job().jobId();
        callers.joinSpeaker("speaker", server.url(), server.participantToken(room, "speaker"));
        String microphone = callers.await(e -> e.is("published", "speaker"), Duration.ofSeconds(30)).text("trackSid");
        callers.await(e -> e.is("localTrackSubscribed", "speaker") && e.text("trackSid").equals(microphone),
                Duration.ofSeconds(30));
        // The greeting plays first; speak once it is over.
        long joined = System.currentTimeMillis();
        // The agent greets once someone is there to hear it.
        long greeted = agentState("speaker", agentIdentity, "listening", agentState("speaker", agentIdentity, "speaking", joined));
        callers.record("speaker", "answer", agentIdentity);
        callers.awaitTagged("recordStarted", "speaker", "answer", Duration.ofSeconds(30));
        Path question = Wav.read(speech.synthesize("Hello, a table for 4 at 7pm please.")).write(dir.resolve("question.wav"));
        callers.play("speaker", "q", question);
        long asked = callers.awaitTagged("playEnded", "speaker", "q", Duration.ofSeconds(30)).tMs();
        long answered = agentState("speaker", agentIdentity, "listening", agentState("speaker", agentIdentity, "speaking", asked));
        // Listen on a little past the agent's last frame, so the recording holds all of it.
        callers.await(e -> e.is("heard", "speaker") && e.text("participant").equals(agentIdentity) && e.tMs() > answered + 300,
                Duration.ofSeconds(30));
        Path heard = dir.resolve("answer.wav");
        callers.saveRecording("speaker", "answer", heard);
        callers.awaitTagged("recordingSaved", "speaker", "answer", Duration.ofSeconds(30));
        String words = speech.transcribe(Wav.read(heard).toBytes());
        System.out.printf("[sample] the restaurant agent said: \"%s\" (done %d ms after the question; greeting over after %d ms)%n",
                words, answered - asked, greeted - joined);
        assertThat(Transcripts.words(words)).contains("table");
        assertThat(app.getBean(BookingService.class).guestsAt(java.time.LocalTime.of(19, 0))).isGreaterThanOrEqualTo(4);
        // The turn is in the operator's Prometheus scrape, measured end to end: heard, transcribed, answered, spoken.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            String scrape = Scrapes.get(app, "/actuator/prometheus");
            assertThat(Scrapes.value(scrape, "openrtc_voice_turns_total", "agent", "restaurant", "source", "speech"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(Scrapes.value(scrape, "openrtc_voice_response_latency_seconds_count", "agent", "restaurant"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(Scrapes.value(scrape, "openrtc_voice_response_latency_seconds_sum", "agent", "restaurant")).isPositive();
            assertThat(Scrapes.value(scrape, "openrtc_voice_stt_latency_seconds_count", "agent", "restaurant"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(Scrapes.value(scrape, "openrtc_voice_llm_first_token_seconds_count", "agent", "restaurant"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(Scrapes.value(scrape, "openrtc_voice_tts_first_byte_seconds_count", "agent", "restaurant"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(Scrapes.value(scrape, "openrtc_voice_tool_calls_total", "agent", "restaurant", "tool", "book_table",
                    "outcome", "ok")).isGreaterThanOrEqualTo(1);
            assertThat(Scrapes.value(scrape, "openrtc_voice_llm_tokens_total", "agent", "restaurant", "kind", "prompt"))
                    .isPositive();
            assertThat(Scrapes.value(scrape, "openrtc_voice_stt_audio_seconds_total", "agent", "restaurant"))
                    .isGreaterThan(1.0);
            assertThat(Scrapes.value(scrape, "openrtc_voice_tts_characters_total", "agent", "restaurant"))
                    .isGreaterThan(10);
        });
        String status = Scrapes.get(app, "/actuator/openrtc");
        assertThat(status).contains("\"lastTurn\"").contains("\"source\":\"speech\"");
        callers.leaveCaller("speaker");
        server.roomService().deleteRoom(room).execute();
    }

    @Test
    void theEchoAgentRepeatsWhatTheCallerSays(LiveKitServer server) throws Exception {
        callers = callers == null ? NodePeer.start("caller.mjs") : callers;
        String room = Dispatches.untilAccepted("echo", r -> dispatch(server, r, "{\"agent\":\"echo\"}"), acceptedIn());
        assertThat(agentFor(room)).isEqualTo("echo");
        String jobId = acceptance(room).job().jobId();

        callers.joinCaller("echo-caller", server.url(), server.participantToken(room, "caller-echo"), 523);
        // A window that holds the start of the echo mixes silence and tone and smears the pitch
        // (553 Hz was seen on a loaded machine): judge the pitch on a window well inside the tone.
        NodePeer.Event heard = callers.await(e -> e.is("heard", "echo-caller")
                && e.text("participant").equals("agent-" + jobId) && e.number("rms") > 3000, Duration.ofSeconds(40));
        assertThat(heard.number("hz")).isBetween(510.0, 536.0);
        callers.leaveCaller("echo-caller");
    }

    /** When {@code caller} saw the agent's {@code lk.agent.state} turn {@code state}, at or after {@code sinceMs}. */
    private static long agentState(String caller, String agentIdentity, String state, long sinceMs) {
        return callers.await(e -> e.is("attributes", caller) && e.text("participant").equals(agentIdentity) && e.tMs() >= sinceMs
                && e.json().path("changed").path("lk.agent.state").asText().equals(state), Duration.ofSeconds(60)).tMs();
    }

    /** Whether the caller saw the agent in the listening state: in the room at join, or as a change. */
    private static boolean listening(NodePeer.Event e, String agentIdentity) {
        if (e.is("attributes", "diner") && e.text("participant").equals(agentIdentity)) {
            return e.json().path("all").path("lk.agent.state").asText().equals("listening");
        }
        if (e.is("joined", "diner")) {
            for (var p : e.json().path("participants")) {
                if (p.path("identity").asText().equals(agentIdentity)
                        && p.path("attributes").path("lk.agent.state").asText().equals("listening")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void dispatch(LiveKitServer server, String room, String metadata) throws Exception {
        assertThat(server.agentDispatch().createDispatch(room, WORKER_NAME, metadata).execute().isSuccessful()).isTrue();
    }

    private static Predicate<String> acceptedIn() {
        return room -> events.stream().anyMatch(e -> e instanceof OpenRtcEvent.JobAccepted a && a.job().roomName().equals(room));
    }

    private static OpenRtcEvent.JobAccepted acceptance(String room) {
        return events.stream().filter(OpenRtcEvent.JobAccepted.class::isInstance).map(OpenRtcEvent.JobAccepted.class::cast)
                .filter(a -> a.job().roomName().equals(room)).findFirst().orElseThrow();
    }

    /** The agent that served the room's job, once its session ran. */
    private static String agentFor(String room) {
        await().atMost(Duration.ofSeconds(30)).until(() -> events.stream()
                .anyMatch(e -> e instanceof OpenRtcEvent.SessionRunning r && r.session().roomName().equals(room)));
        return acceptance(room).agentName();
    }

    private static long declines(DeclineReason reason) {
        return events.stream().filter(e -> e instanceof OpenRtcEvent.JobDeclined d && d.reason() == reason).count();
    }
}
