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
 * signal reaches the right agent, an unknown agent is declined and counted, and the echo agent
 * repeats what a real LiveKit caller (LiveKit's Node SDK) says.
 */
@LiveKitServerTest
class SampleAppLiveKitTest {

    private static final String WORKER_NAME = "sample";
    private static final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
    private static ConfigurableApplicationContext app;
    private static NodePeer callers;

    @BeforeAll
    static void startTheSampleApp(LiveKitServer server) {
        app = new SpringApplicationBuilder(SampleApplication.class)
                .initializers(context -> context.getBeanFactory()
                        .registerSingleton("testEventRecorder", (OpenRtcListener) events::add))
                .properties(
                        "openrtc.livekit.url=" + server.url(),
                        "openrtc.livekit.api-key=" + server.apiKey(),
                        "openrtc.livekit.api-secret=" + server.apiSecret(),
                        "openrtc.agent-name=" + WORKER_NAME,
                        "sample.session-length=0s",
                        "server.port=0")
                .run();
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
    void theRestaurantAgentConfirmsABookingRequestInTheChat(LiveKitServer server) throws Exception {
        callers = callers == null ? NodePeer.start("caller.mjs") : callers;
        String room = Dispatches.untilAccepted("restaurant-chat", r -> dispatch(server, r, ""), acceptedIn());
        assertThat(agentFor(room)).isEqualTo("restaurant");
        String agentIdentity = "agent-" + acceptance(room).job().jobId();

        callers.joinCaller("diner", server.url(), server.participantToken(room, "diner"), 0, List.of("lk.chat"), List.of());
        callers.await(e -> listening(e, agentIdentity), Duration.ofSeconds(30));
        callers.sendText("diner", "booking", "lk.chat", "Hello, a table for 4 at 7pm please", java.util.Map.of());
        NodePeer.Event answer = callers.await(e -> e.is("text", "diner") && e.text("sender").equals(agentIdentity)
                && e.text("text").startsWith("Booked"), Duration.ofSeconds(30));
        assertThat(answer.text("text")).isEqualTo("Booked: a table for 4 at 7pm. See you then!");
        assertThat(answer.text("topic")).isEqualTo("lk.chat");
        callers.leaveCaller("diner");
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
