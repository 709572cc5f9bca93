package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.PoolSnapshot;
import io.openrtc.pool.FailureSource;
import io.openrtc.pool.Isolation;
import io.openrtc.pool.PoolOptions;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.ScenarioReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reliability scenario 4 (issue 18): agents whose code misbehaves, next to tone calls whose
 * audio is measured at their real callers. In coroutine isolation an agent throws, one hangs
 * ignoring interrupts, one spins a core; in process isolation one allocates without bound (its
 * child's {@code -Xmx} and {@code openrtc.process.memory-limit} bound it) and one calls
 * {@code System.exit}. For each fault: its outcome, the time to detect it, the other sessions'
 * frame rate before and during. Throughout, the pool's accounting stays exact (every session ends
 * exactly once, the running count and the load return to their values, then to 0) and only the
 * faulty agent is reported.
 */
@LiveKitServerTest
class AgentFaultsScenarioTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    /** The callers hear 20 ms frames: 50 per second is the whole stream. */
    private static final double MIN_FPS = 40;

    @AutoClose
    private static NodePeer callers;

    @BeforeAll
    static void startCallers() {
        callers = NodePeer.start("caller.mjs");
    }

    @Test
    void agentsThatThrowHangOrSpinHurtNoOtherSessionInTheWorkerJvm(LiveKitServer server) throws Exception {
        int toneCalls = ScenarioReport.sized(2, 4);
        CountDownLatch release = new CountDownLatch(1);
        ScenarioCalls calls = new ScenarioCalls(server, callers, "faults-coroutine");
        PoolOptions options = PoolOptions.builder().maxConcurrentSessions(toneCalls + 4)
                .cancelGrace(Duration.ofSeconds(1)).drainTimeout(Duration.ofSeconds(5)).build();
        List<ScenarioCalls.Call> tones = new ArrayList<>();
        try (ScenarioReport report = ScenarioReport.start("agent-faults-coroutine");
             AgentPool pool = new FaultyAgents(release).agents()
                     .livekit(server.url(), server.apiKey(), server.apiSecret())
                     .agentName("faults-coroutine")
                     .poolOptions(options)
                     .workerOptions(w -> w.terminationGrace(Duration.ofSeconds(1)))
                     .listener(calls.events::add)
                     .build()) {
            pool.start();
            for (int i = 0; i < toneCalls; i++) {
                tones.add(calls.startToneCall());
            }
            report.figure("tone calls (Node callers, audio both ways)", toneCalls);

            int abandoned = 0;
            for (String fault : List.of("throws", "hangs", "spins")) {
                ScenarioCalls.Audio before = calls.measure(tones, () -> true);
                String room = calls.dispatch(fault, calls::running);
                java.time.Instant from = calls.runningAt(room);
                if (!fault.equals("throws")) {
                    // The call ends: LiveKit deletes the room and terminates the job; the agent
                    // ignores both, is cancelled, and given up after openrtc.cancel-grace.
                    from = java.time.Instant.now();
                    calls.deleteRoom(room);
                    abandoned++;
                }
                ScenarioCalls.Audio during = calls.measure(tones, () -> calls.ended(room));
                OpenRtcEvent.SessionEnded ended = calls.ending(room).orElseThrow();
                long detectMs = Duration.between(from, ended.at()).toMillis();
                report.figure(fault + ": outcome", ScenarioCalls.describe(ended.outcome()));
                report.figure(fault + ": detected after ms", detectMs);
                report.figure(fault + ": other calls before", before);
                report.figure(fault + ": other calls during", during);

                if (fault.equals("throws")) {
                    assertThat(ended.outcome()).isInstanceOfSatisfying(SessionOutcome.Failed.class, f -> {
                        assertThat(f.message()).contains(FaultyAgents.THROWN);
                        assertThat(FailureSource.of(f.error())).isEqualTo(FailureSource.AGENT);
                    });
                } else {
                    assertThat(ended.outcome()).isInstanceOfSatisfying(SessionOutcome.Cancelled.class,
                            c -> assertThat(c.reason()).contains("abandoned"));
                }
                assertThat(ended.session().agentName()).isEqualTo(fault);
                assertThat(during.minFramesPerSecond()).as("the other calls' audio while %s", fault).isGreaterThanOrEqualTo(MIN_FPS);
                assertAccounting(pool, calls, toneCalls, abandoned);
            }

            // Let the two deaf agents end at last: their slots come back.
            release.countDown();
            await().atMost(WAIT).until(() -> pool.snapshot().pool().abandoned() == 0);
            assertAccounting(pool, calls, toneCalls, 0);
            endToneCalls(pool, calls, tones, report);
        } finally {
            release.countDown();
            tones.forEach(t -> callers.leaveCaller(t.caller()));
        }
    }

    @Test
    void anAgentThatAllocatesWithoutBoundOrExitsItsJvmHurtsNoOtherSessionInProcessIsolation(LiveKitServer server)
            throws Exception {
        int toneCalls = ScenarioReport.sized(1, 2);
        long memoryLimit = 256L << 20;
        ScenarioCalls calls = new ScenarioCalls(server, callers, "faults-process");
        PoolOptions options = PoolOptions.builder().isolation(Isolation.PROCESS).idleProcesses(1)
                .mainClass(FaultyWorkerMain.class).processMemoryLimitBytes(memoryLimit)
                .jvmArgs(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"))
                .processStartTimeout(Duration.ofMinutes(2))
                .maxConcurrentSessions(toneCalls + 2).cancelGrace(Duration.ofSeconds(2)).drainTimeout(Duration.ofSeconds(5)).build();
        List<ScenarioCalls.Call> tones = new ArrayList<>();
        try (ScenarioReport report = ScenarioReport.start("agent-faults-process");
             AgentPool pool = new FaultyAgents(new CountDownLatch(0)).agents()
                     .livekit(server.url(), server.apiKey(), server.apiSecret())
                     .agentName("faults-process")
                     .poolOptions(options)
                     .listener(calls.events::add)
                     .build()) {
            pool.start();
            for (int i = 0; i < toneCalls; i++) {
                tones.add(calls.startToneCall());
            }
            report.figure("tone calls (each in its child JVM, Node callers)", toneCalls);
            report.figure("child memory limit MiB", memoryLimit >> 20);

            for (String fault : List.of("allocates", "exits")) {
                ScenarioCalls.Audio before = calls.measure(tones, () -> true);
                String room = calls.dispatch(fault, r -> calls.running(r) || calls.ended(r));
                ScenarioCalls.Audio during = calls.measure(tones, () -> calls.ended(room));
                OpenRtcEvent.SessionEnded ended = calls.ending(room).orElseThrow();
                long detectMs = Duration.between(calls.session(room).orElseThrow().startedAt(), ended.at()).toMillis();
                report.figure(fault + ": outcome", ScenarioCalls.describe(ended.outcome()));
                report.figure(fault + ": failure source", ended.outcome() instanceof SessionOutcome.Failed f
                        ? FailureSource.of(f.error()) : "-");
                report.figure(fault + ": started to ended ms", detectMs);
                report.figure(fault + ": other calls before", before);
                report.figure(fault + ": other calls during", during);

                assertThat(ended.session().agentName()).isEqualTo(fault);
                assertThat(ended.outcome()).isInstanceOfSatisfying(SessionOutcome.Failed.class, f -> {
                    if (fault.equals("exits")) {
                        assertThat(f.message()).contains("exited with code " + FaultyAgents.EXIT_STATUS);
                    } else {
                        // Whichever comes first: the child's heap runs out (its session reports the
                        // OutOfMemoryError) or the parent sees the resident memory over the limit.
                        String described = f.message() + " " + f.error();
                        assertThat(described).containsAnyOf("OutOfMemoryError", "openrtc.process.memory-limit");
                    }
                });
                assertThat(during.minFramesPerSecond()).as("the other calls' audio while %s", fault).isGreaterThanOrEqualTo(MIN_FPS);
                assertAccounting(pool, calls, toneCalls, 0);
            }
            endToneCalls(pool, calls, tones, report);
        } finally {
            tones.forEach(t -> callers.leaveCaller(t.caller()));
        }
    }

    /**
     * Exactly the tone calls run (and the given abandoned sessions still hold their slots),
     * every session that ended ended once, and none but a faulty agent's ended badly.
     */
    private static void assertAccounting(AgentPool pool, ScenarioCalls calls, int toneCalls, int abandoned) {
        await().atMost(WAIT).untilAsserted(() -> {
            PoolSnapshot snapshot = pool.snapshot().pool();
            assertThat(snapshot.activeByAgent()).as("running sessions per agent").containsEntry("tone", toneCalls);
            assertThat(snapshot.abandoned()).isEqualTo(abandoned);
            // An abandoned session is no longer active, but its slot counts in the load until its thread ends.
            assertThat(snapshot.active()).isEqualTo(toneCalls);
            assertThat(snapshot.load()).isEqualTo((double) (toneCalls + abandoned) / snapshot.maxConcurrentSessions());
        });
        assertThat(calls.endingsPerStartedSession().values()).allMatch(n -> n <= 1);
        assertThat(calls.unsuccessful().values()).as("agents whose sessions ended badly").doesNotContain("tone");
        assertThat(pool.snapshot().pool().unhealthyAgents()).isEmpty();
        assertThat(pool.snapshot().pool().tripped()).isFalse();
        assertThat(pool.snapshot().broken()).isFalse();
    }

    /** The calls end (their rooms deleted): each a success, and the pool is back to nothing. */
    private static void endToneCalls(AgentPool pool, ScenarioCalls calls, List<ScenarioCalls.Call> tones, ScenarioReport report)
            throws Exception {
        for (ScenarioCalls.Call call : tones) {
            calls.deleteRoom(call.room());
        }
        for (ScenarioCalls.Call call : tones) {
            assertThat(calls.outcome(call.room())).isInstanceOf(SessionOutcome.Success.class);
        }
        await().atMost(WAIT).until(() -> pool.snapshot().pool().active() == 0 && pool.snapshot().pool().reserved() == 0
                && pool.snapshot().worker().runningJobs().isEmpty());
        assertThat(pool.snapshot().pool().load()).isZero();
        assertThat(calls.endingsPerStartedSession().values()).as("endings per started session").allMatch(n -> n == 1);
        report.figure("sessions (each with exactly one outcome)", calls.endingsPerStartedSession().size());
        report.figure("sessions ended badly", calls.unsuccessful().size() + " (" + String.join(", ",
                new java.util.TreeSet<>(calls.unsuccessful().values())) + ")");
        report.figure("load after", pool.snapshot().pool().load());
    }
}
