package io.openrtc.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.ScenarioReport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, scenario 2: livekit-server restarted while K sessions stream audio to third-party
 * callers. The worker re-registers (a new worker id), every session survives (its room rejoins
 * the new server), the callers hear the agent again (the gap measured at each caller), and a job
 * dispatched after the restart runs. CI: 2 calls; full: 10.
 */
@LiveKitServerTest(restartable = true)
class ServerRestartScenarioTest {

    @Test
    void afterARestartMidCallEverySessionRejoinsItsAudioFlowsAgainAndNewJobsRun(LiveKitServer server) throws Exception {
        int k = ScenarioReport.sized(2, 10);
        try (ScenarioReport report = ScenarioReport.start("server-restart"); ToneCalls calls = new ToneCalls(server)) {
            calls.start();
            for (int i = 0; i < k; i++) {
                calls.open("restart");
            }
            report.figure("sessions streaming audio", k);
            String workerBefore = calls.pool().snapshot().worker().workerId();
            int registrationsBefore = registrations(calls);

            long faultAt = System.currentTimeMillis();
            long started = System.nanoTime();
            server.restart();
            long restoredAt = System.currentTimeMillis();
            report.figure("server down and up again (s)", (System.nanoTime() - started) / 1e9);

            await().atMost(ToneCalls.WAIT).until(() -> registrations(calls) > registrationsBefore
                    && calls.pool().snapshot().worker().state() == ConnectionState.REGISTERED);
            report.figure("worker re-registered after (s)", (System.currentTimeMillis() - faultAt) / 1000.0);
            assertThat(calls.pool().snapshot().worker().workerId()).startsWith("AW_").isNotEqualTo(workerBefore);

            List<ToneCalls.Gap> gaps = calls.awaitRecovered(faultAt, restoredAt, Duration.ofSeconds(120));
            List<Double> seconds = gaps.stream().map(ToneCalls.Gap::seconds).toList();
            report.figure("audio gap at the callers, max (s)", seconds.stream().mapToDouble(d -> d).max().orElseThrow());
            report.figure("audio gap at the callers, median (s)", ToneCalls.median(seconds));
            report.figure("callers rejoined by their application", calls.rejoined().size());
            // Each session lived on: none ended, and each still runs under the same job.
            long kept = calls.calls().stream().filter(c -> calls.ended(c.room()).isEmpty()).count();
            report.figure("sessions kept", kept);
            assertThat(kept).as("sessions that lived through the restart").isEqualTo(k);
            assertThat(calls.pool().snapshot().worker().runningJobs()).hasSize(k);

            calls.open("after-restart");
            report.figure("job dispatched after the restart ran", "yes");

            calls.hangUpAll();
            for (ToneCalls.Call call : calls.calls()) {
                await().atMost(ToneCalls.WAIT).until(() -> calls.ended(call.room()).isPresent());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> calls.liveObjects().isZero());
            long ok = calls.calls().stream().filter(c -> calls.ended(c.room()).orElseThrow().outcome().label().equals("success")).count();
            report.figure("sessions ended ok", ok);
            report.figure("lost", calls.calls().size() - ok);
            assertThat(ok).isEqualTo(calls.calls().size());
        }
    }

    private static int registrations(ToneCalls calls) {
        return (int) calls.events().stream().filter(e -> e instanceof OpenRtcEvent.WorkerRegistered).count();
    }
}
