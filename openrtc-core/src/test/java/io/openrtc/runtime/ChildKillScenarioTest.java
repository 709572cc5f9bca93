package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.pool.FailureSource;
import io.openrtc.pool.Isolation;
import io.openrtc.pool.PoolOptions;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.ScenarioReport;
import io.openrtc.test.ServerJobLog;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import livekit.LivekitModels;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Reliability scenario 5 (issue 18): in process isolation the child JVM serving a call is killed
 * with SIGKILL mid-call. The parent reports that session (failed, saying how the child died),
 * LiveKit is told (the job's status, the agent's participant, read with LiveKit's own services),
 * a call that was not in that child goes on, and the next call, on a fresh child, works.
 */
@LiveKitServerTest
class ChildKillScenarioTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @AutoClose
    private static NodePeer callers;

    @BeforeAll
    static void startCallers() {
        callers = NodePeer.start("caller.mjs");
    }

    @Test
    void aChildKilledMidCallIsReportedToTheParentAndToLiveKitAndTheNextCallWorks(LiveKitServer server) throws Exception {
        int kills = ScenarioReport.sized(1, 3);
        ScenarioCalls calls = new ScenarioCalls(server, callers, "child-kill");
        PoolOptions options = PoolOptions.builder().isolation(Isolation.PROCESS).idleProcesses(1)
                .mainClass(FaultyWorkerMain.class)
                .jvmArgs(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"))
                .processStartTimeout(Duration.ofMinutes(2))
                .maxConcurrentSessions(3).cancelGrace(Duration.ofSeconds(2)).drainTimeout(Duration.ofSeconds(5)).build();
        List<ScenarioCalls.Call> all = new ArrayList<>();
        ChildPids pids = ChildPids.attach();
        try (ScenarioReport report = ScenarioReport.start("child-kill-9");
             AgentPool pool = new FaultyAgents(new CountDownLatch(0)).agents()
                     .livekit(server.url(), server.apiKey(), server.apiSecret())
                     .agentName("child-kill")
                     .poolOptions(options)
                     .listener(calls.events::add)
                     .build()) {
            pool.start();
            ScenarioCalls.Call bystander = calls.startToneCall();
            all.add(bystander);
            report.figure("kills", kills);
            for (int k = 1; k <= kills; k++) {
                ScenarioCalls.Call victim = calls.startToneCall();
                all.add(victim);
                long pid = await().atMost(WAIT).until(() -> pids.of(victim.jobId()), Optional::isPresent).orElseThrow();
                assertThat(pids.of(bystander.jobId())).as("the bystander's child").isNotEqualTo(Optional.of(pid));

                ScenarioCalls.Audio bystanderBefore = calls.measure(List.of(bystander), () -> true);
                Instant killedAt = Instant.now();
                ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL on Linux
                // Does the bystander's audio go on while the parent reports and replaces the dead child?
                ScenarioCalls.Audio bystanderDuring = calls.measure(List.of(bystander), () -> calls.ended(victim.room()));
                OpenRtcEvent.SessionEnded ended = calls.ending(victim.room()).orElseThrow();
                report.figure("kill " + k + ": outcome", ScenarioCalls.describe(ended.outcome()));
                report.figure("kill " + k + ": parent reported after ms", Duration.between(killedAt, ended.at()).toMillis());
                assertThat(ended.outcome()).isInstanceOfSatisfying(SessionOutcome.Failed.class, f -> {
                    assertThat(f.message()).contains("signal 9");
                    assertThat(FailureSource.of(f.error())).isEqualTo(FailureSource.WORKER);
                });

                // LiveKit is told: the parent removes the dead child's participant (the room service's list),
                // well before LiveKit's own timeout for it (about 20 s) would.
                await().atMost(Duration.ofSeconds(15)).until(() -> !participants(server, victim.room()).contains(victim.agentIdentity()));
                report.figure("kill " + k + ": agent participant gone from LiveKit after ms", Duration.between(killedAt, Instant.now()).toMillis());
                // The job's end as LiveKit recorded it (its own log: ListDispatch keeps JS_RUNNING in v1.13.5):
                // the parent sent JS_FAILED with how the child died.
                List<ServerJobLog.Ended> recorded = await().atMost(WAIT)
                        .until(() -> ServerJobLog.read(server).endsOf(victim.jobId()), e -> !e.isEmpty());
                report.figure("kill " + k + ": job end LiveKit recorded", recorded.getFirst().status() + " (" + recorded.getFirst().error() + ")");
                assertThat(recorded).singleElement().satisfies(e -> {
                    assertThat(e.status()).isEqualTo("JS_FAILED");
                    assertThat(e.error()).contains("signal 9");
                });
                report.figure("kill " + k + ": bystander call before", bystanderBefore);
                report.figure("kill " + k + ": bystander call during", bystanderDuring);
                assertThat(bystanderDuring.minFramesPerSecond()).isGreaterThanOrEqualTo(40);
                assertThat(pool.snapshot().pool().unhealthyAgents()).isEmpty();
                callers.leaveCaller(victim.caller());
                calls.deleteRoom(victim.room());
            }

            Instant nextAt = Instant.now();
            ScenarioCalls.Call next = calls.startToneCall();
            all.add(next);
            report.figure("next call: dispatch to agent heard answering ms", Duration.between(nextAt, Instant.now()).toMillis());
            report.figure("next call ok", true);
            assertThat(pool.snapshot().pool().activeByAgent()).containsEntry("tone", 2);

            for (ScenarioCalls.Call call : List.of(bystander, next)) {
                calls.deleteRoom(call.room());
                assertThat(calls.outcome(call.room())).isInstanceOf(SessionOutcome.Success.class);
            }
            await().atMost(WAIT).until(() -> pool.snapshot().pool().active() == 0 && pool.snapshot().worker().runningJobs().isEmpty());
            assertThat(calls.endingsPerStartedSession().values()).allMatch(n -> n == 1);
            assertThat(pool.snapshot().pool().load()).isZero();
            assertThat(pool.snapshot().broken()).isFalse();
            report.figure("sessions (each with exactly one outcome)", calls.endingsPerStartedSession().size());
            report.figure("load after", pool.snapshot().pool().load());
        } finally {
            pids.detach();
            all.forEach(c -> callers.leaveCaller(c.caller()));
        }
    }

    /**
     * The pid of the child JVM serving each job, read where the parent says it: every line a child
     * writes is logged to {@code io.openrtc.pool.child} prefixed {@code [agent jobId pid N]}.
     */
    private static final class ChildPids extends AppenderBase<ILoggingEvent> {
        private static final Pattern PREFIX = Pattern.compile("^\\[\\S+ (AJ_\\S+) pid (\\d+)\\]");
        private final Map<String, Long> byJob = new ConcurrentHashMap<>();
        private Logger logger;

        static ChildPids attach() {
            ChildPids pids = new ChildPids();
            pids.logger = (Logger) LoggerFactory.getLogger("io.openrtc.pool.child");
            pids.start();
            pids.logger.addAppender(pids);
            return pids;
        }

        @Override
        protected void append(ILoggingEvent event) {
            Matcher m = PREFIX.matcher(event.getFormattedMessage());
            if (m.find()) {
                byJob.putIfAbsent(m.group(1), Long.parseLong(m.group(2)));
            }
        }

        Optional<Long> of(String jobId) {
            return Optional.ofNullable(byJob.get(jobId));
        }

        void detach() {
            logger.detachAppender(this);
            stop();
        }
    }

    private static List<String> participants(LiveKitServer server, String room) throws Exception {
        List<LivekitModels.ParticipantInfo> list = server.roomService().listParticipants(room).execute().body();
        return list == null ? List.of() : list.stream().map(LivekitModels.ParticipantInfo::getIdentity).toList();
    }
}
