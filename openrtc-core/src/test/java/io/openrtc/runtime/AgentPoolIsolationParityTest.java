package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.pool.Isolation;
import io.openrtc.pool.PoolOptions;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The same agent, observed from outside by a real LiveKit caller, behaves the same in both
 * isolation modes: it joins as {@code agent-<jobId>}, greets with one tone, answers the caller's
 * tone with another, and ends as a success when the room is deleted. In process mode the session
 * demonstrably runs in a child JVM started from {@link ToneWorkerMain}.
 */
@LiveKitServerTest
class AgentPoolIsolationParityTest {

    @AutoClose
    private static NodePeer callers;

    @BeforeAll
    static void startCallers() {
        callers = NodePeer.start("caller.mjs");
    }

    @ParameterizedTest
    @EnumSource(Isolation.class)
    void theAgentBehavesTheSameInBothModes(Isolation isolation, LiveKitServer server) throws Exception {
        String agentName = "parity-" + isolation.name().toLowerCase(java.util.Locale.ROOT);
        List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
        PoolOptions options = PoolOptions.builder().isolation(isolation).idleProcesses(1).mainClass(ToneWorkerMain.class)
                .jvmArgs(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"))
                .drainTimeout(Duration.ofSeconds(5)).build();
        String caller = "caller-" + agentName;
        try (AgentPool pool = ToneWorkerMain.agents()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName(agentName)
                .poolOptions(options)
                .listener(events::add)
                .build()) {
            pool.start();
            String room = Dispatches.dispatchUntilAccepted(server, agentName, "", r -> events.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.JobAccepted a && a.job().roomName().equals(r)));
            String jobId = events.stream().filter(OpenRtcEvent.JobAccepted.class::isInstance).map(OpenRtcEvent.JobAccepted.class::cast)
                    .filter(a -> a.job().roomName().equals(room)).findFirst().orElseThrow().job().jobId();
            String agentIdentity = "agent-" + jobId;

            callers.joinCaller(caller, server.url(), server.participantToken(room, caller), 0);
            NodePeer.Event greeting = callers.await(e -> e.is("heard", caller) && e.text("participant").equals(agentIdentity)
                    && e.number("rms") > 500, Duration.ofSeconds(40));
            assertThat(greeting.number("hz")).isBetween(ToneAgent.GREETING_HZ - 15, ToneAgent.GREETING_HZ + 15);
            assertThat(sessionHostChildren()).as("child JVMs serving sessions")
                    .matches(n -> isolation == Isolation.PROCESS ? n >= 1 : n == 0);

            callers.publishTone(caller, ToneAgent.CALLER_HZ);
            callers.await(e -> e.is("heard", caller) && e.text("participant").equals(agentIdentity) && e.number("rms") > 500
                    && Math.abs(e.number("hz") - ToneAgent.HEARD_YOU_HZ) < 15, Duration.ofSeconds(40));

            assertThat(server.roomService().deleteRoom(room).execute().isSuccessful()).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> events.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.SessionEnded s && s.session().jobId().equals(jobId)));
            assertThat(events.stream().filter(OpenRtcEvent.SessionEnded.class::isInstance).map(OpenRtcEvent.SessionEnded.class::cast)
                    .filter(s -> s.session().jobId().equals(jobId)).findFirst().orElseThrow().outcome())
                    .isInstanceOf(SessionOutcome.Success.class);
        } finally {
            callers.leaveCaller(caller);
        }
    }

    /** Child JVMs of this one started in the session-host role. */
    private static long sessionHostChildren() {
        return ProcessHandle.current().descendants().filter(p -> commandLine(p).contains("-Dopenrtc.role=session-host")).count();
    }

    /** The process's command line, read from /proc (ProcessHandle.Info may leave arguments out). */
    private static String commandLine(ProcessHandle process) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(process.pid()), "cmdline"))
                    .replace('\0', ' ');
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
