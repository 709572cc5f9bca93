package io.openrtc.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.rtc.NativeObjectCounts;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.ScenarioReport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, scenario 3: the link between this host and livekit-server (in a namespace of its own,
 * {@code netloss}, so that no other test loses its network) dropped while K sessions stream audio
 * to third-party callers. After a 5 s cut every session resumes and its caller hears it again (the
 * gap measured at the callers); a 60 s cut outlasts the rooms' 20 s reconnect window, so every
 * session ends with the lost connection as its reason, every native WebRTC object is released, and
 * the worker reconnects and runs a new job. CI: 2 calls; full: 10.
 */
@LiveKitServerTest(network = "netloss")
class NetworkLossScenarioTest {

    private static final Duration SHORT_CUT = Duration.ofSeconds(5);
    private static final Duration LONG_CUT = Duration.ofSeconds(60);

    @Test
    void sessionsResumeAfterAShortCutAndEndWithAReasonAfterALongOneWithoutLeaks(LiveKitServer server) throws Exception {
        int k = ScenarioReport.sized(2, 10);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (ScenarioReport report = ScenarioReport.start("network-loss"); ToneCalls calls = new ToneCalls(server)) {
            calls.start();
            NativeObjectCounts baseline = calls.liveObjects();
            report.figure("native objects before the calls", baseline);
            for (int i = 0; i < k; i++) {
                calls.open("netloss");
            }
            report.figure("sessions streaming audio", k);
            report.figure("native objects during the calls", calls.liveObjects());

            // The short cut: every session lives on and its caller hears it again.
            long shortAt = System.currentTimeMillis();
            long shortRestored = cut(server, timer, SHORT_CUT);
            report.figure("short cut (s)", SHORT_CUT.toSeconds());
            List<Double> gaps = calls.awaitRecovered(shortAt, shortRestored, Duration.ofSeconds(60)).stream()
                    .map(ToneCalls.Gap::seconds).toList();
            report.figure("short cut: audio gap at the callers, max (s)", gaps.stream().mapToDouble(d -> d).max().orElseThrow());
            report.figure("short cut: audio gap at the callers, median (s)", ToneCalls.median(gaps));
            report.figure("short cut: callers rejoined by their application", calls.rejoined().size());
            long kept = calls.calls().stream().filter(c -> calls.ended(c.room()).isEmpty()).count();
            report.figure("short cut: sessions kept", kept);
            assertThat(kept).as("sessions that lived through the short cut").isEqualTo(k);
            await().atMost(ToneCalls.WAIT).until(() -> calls.pool().snapshot().worker().state() == ConnectionState.REGISTERED);

            // The long cut: more than the reconnect window, so the sessions end, each with a reason.
            int registrationsBefore = registrations(calls);
            long longAt = System.currentTimeMillis();
            long longRestored = cut(server, timer, LONG_CUT);
            report.figure("long cut (s)", LONG_CUT.toSeconds());
            for (ToneCalls.Call call : calls.calls()) {
                await().atMost(ToneCalls.WAIT).until(() -> calls.ended(call.room()).isPresent());
            }
            List<OpenRtcEvent.SessionEnded> ends = calls.calls().stream().map(c -> calls.ended(c.room()).orElseThrow()).toList();
            long withReason = ends.stream().filter(e -> e.outcome() instanceof SessionOutcome.Failed f
                    && String.valueOf(f.error().getMessage()).contains("CONNECTION_LOST")).count();
            double endedAfter = ends.stream().mapToLong(e -> e.at().toEpochMilli() - longAt).max().orElseThrow() / 1000.0;
            report.figure("long cut: sessions ended, connection lost as the reason", withReason);
            report.figure("long cut: last session ended after (s)", endedAfter);
            ends.forEach(e -> System.out.println("[reliability] network-loss: " + e.session().roomName() + " ended "
                    + e.outcome().label() + ": " + reason(e.outcome())));
            assertThat(withReason).as("sessions ended by the lost connection, with it as their reason").isEqualTo(k);
            assertThat(endedAfter).as("they end once the reconnect window is over, before the link is back")
                    .isLessThan(LONG_CUT.toSeconds());

            await().atMost(Duration.ofSeconds(30)).until(() -> calls.liveObjects().equals(baseline));
            report.figure("native objects after the long cut", calls.liveObjects());
            assertThat(calls.pool().snapshot().pool().active()).isZero();

            await().atMost(ToneCalls.WAIT).until(() -> registrations(calls) > registrationsBefore
                    && calls.pool().snapshot().worker().state() == ConnectionState.REGISTERED);
            report.figure("worker registered again after the link came back (s)",
                    (System.currentTimeMillis() - longRestored) / 1000.0);
            calls.open("after-cut");
            report.figure("job after the long cut ran", "yes");
            report.figure("lost", k - withReason);
        } finally {
            timer.shutdownNow();
            server.restoreNetwork(); // whatever failed, the link is up again
        }
    }

    /** Takes the link down for {@code length} (timed by the scheduler: the cut is the fault); returns when it is up again, epoch ms. */
    private static long cut(LiveKitServer server, ScheduledExecutorService timer, Duration length) throws Exception {
        server.cutNetwork();
        ScheduledFuture<?> restore = timer.schedule(() -> {
            server.restoreNetwork();
            return null;
        }, length.toMillis(), TimeUnit.MILLISECONDS);
        restore.get(length.toSeconds() + 60, TimeUnit.SECONDS);
        return System.currentTimeMillis();
    }

    private static String reason(SessionOutcome outcome) {
        return outcome instanceof SessionOutcome.Failed f ? String.valueOf(f.error().getMessage())
                : outcome instanceof SessionOutcome.Cancelled c ? c.reason() : "";
    }

    private static int registrations(ToneCalls calls) {
        return (int) calls.events().stream().filter(e -> e instanceof OpenRtcEvent.WorkerRegistered).count();
    }
}
