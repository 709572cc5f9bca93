package io.openrtc.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.DrainResult;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.WorkerSnapshot;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import livekit.LivekitAgent;
import livekit.LivekitAgentDispatch.AgentDispatch;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The worker against a real livekit-server v1.13.5. Sessions come from {@link FixtureSessionPool}
 * (they do not join rooms yet; the room client is separate work), so what is tested is the
 * worker protocol: registration, dispatch, admission, status, load, termination and drain.
 */
@LiveKitServerTest
class WorkerLiveKitServerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @AutoClose
    private RealWorkers workers;

    @BeforeEach
    void setUp(LiveKitServer server) {
        workers = new RealWorkers(server);
    }

    private static JobAssignment launchFor(FixtureSessionPool pool, String room) {
        return pool.launches.stream().filter(a -> a.job().roomName().equals(room)).findFirst().orElse(null);
    }

    @Test
    void registersAndGetsAWorkerId() {
        String agent = RealWorkers.unique("reg");
        RealWorkers.Started w = workers.start(agent, workers.heldPool(1, agent));

        WorkerSnapshot snapshot = w.worker().snapshot();
        assertThat(snapshot.state()).isEqualTo(ConnectionState.REGISTERED);
        assertThat(snapshot.workerId()).startsWith("AW_");
        assertThat(snapshot.failedAttempts()).isZero();
        await().atMost(WAIT).until(() -> !w.events().all(OpenRtcEvent.WorkerRegistered.class).isEmpty());
        assertThat(w.events().all(OpenRtcEvent.WorkerRegistered.class)).singleElement()
                .satisfies(e -> assertThat(e.workerId()).isEqualTo(snapshot.workerId()));
    }

    @Test
    void anExplicitDispatchReachesTheNamedWorkerWithItsMetadataAndRunsToSuccess(LiveKitServer server) throws Exception {
        String agent = RealWorkers.unique("explicit");
        String metadata = "{\"greeting\":\"Grüß dich, ☎\",\"table\":42}";
        RealWorkers.Started w = workers.start(agent, new FixtureSessionPool(2, agent, a -> { }));

        String room = workers.dispatchUntilAccepted(agent, metadata, w);

        await().atMost(WAIT).until(() -> w.pool().outcomeForRoom(room) != null);
        assertThat(w.pool().outcomeForRoom(room)).isInstanceOf(SessionOutcome.Success.class);
        JobAssignment launch = launchFor(w.pool(), room);
        JobInfo job = launch.job();
        assertThat(job.jobMetadata()).isEqualTo(metadata);
        assertThat(job.dispatchAgentName()).isEqualTo(agent);
        assertThat(job.roomName()).isEqualTo(room);
        assertThat(job.jobId()).startsWith("AJ_");
        assertThat(job.dispatchId()).startsWith("AD_");
        assertThat(launch.participantIdentity()).isEqualTo("agent-" + job.jobId());
        assertThat(launch.serverUrl()).isEqualTo(server.url());
        String claims = new String(Base64.getUrlDecoder().decode(launch.token().split("\\.")[1]), StandardCharsets.UTF_8);
        assertThat(claims).contains("\"room\":\"" + room + "\"").contains("\"sub\":\"agent-" + job.jobId() + "\"")
                .contains("\"roomJoin\":true");

        // The room records the job once LiveKit's job request returns, which may be after the session.
        await().atMost(WAIT).until(() -> server.agentDispatch().listDispatch(room).execute().body().stream()
                .anyMatch(d -> d.getAgentName().equals(agent) && d.getState().getJobsCount() > 0));
        List<AgentDispatch> dispatches = server.agentDispatch().listDispatch(room).execute().body();
        assertThat(dispatches).filteredOn(d -> d.getAgentName().equals(agent)).singleElement().satisfies(d -> {
            assertThat(d.getMetadata()).isEqualTo(metadata);
            assertThat(d.getState().getJobsList()).extracting(LivekitAgent.Job::getId).containsExactly(job.jobId());
            assertThat(d.getState().getJobs(0).getState().getParticipantIdentity()).isEqualTo("agent-" + job.jobId());
        });
        await().atMost(WAIT).until(() -> w.events().all(OpenRtcEvent.SessionRunning.class).size() == 1);
        OpenRtcEvent.SessionRunning running = w.events().all(OpenRtcEvent.SessionRunning.class).getFirst();
        assertThat(running.session().agentName()).isEqualTo(agent);
        assertThat(running.sinceOffer()).isPositive();
        System.out.println("[worker] explicit dispatch: offer to running in " + running.sinceOffer().toMillis() + " ms");
        await().atMost(WAIT).until(() -> w.worker().snapshot().runningJobs().isEmpty());
    }

    @Test
    void anUnnamedWorkerGetsAJobWhenARoomIsCreated() throws Exception {
        RealWorkers.Started w = workers.start("", new FixtureSessionPool(2, "auto", a -> { }));

        String room = workers.createRoomUntilAccepted(w);

        await().atMost(WAIT).until(() -> w.pool().outcomeForRoom(room) != null);
        assertThat(w.pool().outcomeForRoom(room)).isInstanceOf(SessionOutcome.Success.class);
        JobInfo job = launchFor(w.pool(), room).job();
        assertThat(job.dispatchAgentName()).isEmpty();
        assertThat(job.jobMetadata()).isEmpty();
        assertThat(job.roomSid()).startsWith("RM_");
    }

    @Test
    void twoWorkersShareJobsByLoadAndAFullWorkerGetsNone() throws Exception {
        String agent = RealWorkers.unique("pair");
        RealWorkers.Started a = workers.start(agent, workers.heldPool(2, agent));
        RealWorkers.Started b = workers.start(agent, workers.heldPool(2, agent));

        List<String> rooms = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String room = workers.dispatchUntilAccepted(agent, "", a, b);
            rooms.add(room);
            int expected = i + 1;
            await().atMost(WAIT).until(() -> a.pool().running.get() + b.pool().running.get() == expected);
        }
        // Each full worker reports WS_FULL at load 0.7, so the other one must have been chosen.
        assertThat(a.pool().running.get()).isEqualTo(2);
        assertThat(b.pool().running.get()).isEqualTo(2);
        System.out.println("[worker] 4 jobs over two workers of 2 slots: " + a.pool().launches.size() + " + "
                + b.pool().launches.size());

        String freed = a.pool().launches.getFirst().job().roomName();
        workers.release(freed);
        await().atMost(WAIT).until(() -> a.pool().running.get() == 1);
        // Retried until A accepts one (while LiveKit still saw A as full, it had no worker to offer it to).
        String fifth = workers.dispatchUntilAccepted(agent, "", a);

        await().atMost(WAIT).until(() -> launchFor(a.pool(), fifth) != null);
        assertThat(b.events().acceptsForRoom(fifth)).as("the full worker accepts nothing").isZero();
        assertThat(launchFor(b.pool(), fifth)).isNull();
        assertThat(b.pool().launches).hasSize(2);
        assertThat(b.events().all(OpenRtcEvent.JobDeclined.class))
                .allSatisfy(d -> assertThat(d.reason()).isEqualTo(DeclineReason.AT_CAPACITY));
        assertThat(a.pool().contractBreaches).isEmpty();
        assertThat(b.pool().contractBreaches).isEmpty();
    }

    @Test
    void aDrainingWorkerGetsNoNewJobWhileASecondOneDoesAndItsRunningJobFinishes() throws Exception {
        String agent = RealWorkers.unique("drain");
        RealWorkers.Started a = workers.start(agent, workers.heldPool(2, agent));
        String first = workers.dispatchUntilAccepted(agent, "", a);
        await().atMost(WAIT).until(() -> a.pool().running.get() == 1);
        RealWorkers.Started b = workers.start(agent, workers.heldPool(2, agent));

        var drained = a.worker().drain(Duration.ofSeconds(60)).toCompletableFuture();
        await().atMost(WAIT).until(() -> a.worker().snapshot().draining());
        String second = workers.dispatchUntilAccepted(agent, "", b);

        await().atMost(WAIT).until(() -> launchFor(b.pool(), second) != null);
        assertThat(a.events().acceptsForRoom(second)).isZero();
        assertThat(a.pool().launches).hasSize(1);
        assertThat(drained).isNotDone();

        workers.release(first);
        DrainResult result = drained.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(result.completed()).isEqualTo(1);
        assertThat(result.cancelled()).isZero();
        assertThat(a.pool().outcomeForRoom(first)).isInstanceOf(SessionOutcome.Success.class);
        assertThat(a.worker().snapshot().state()).isEqualTo(ConnectionState.STOPPED);
        assertThat(b.worker().snapshot().runningJobs()).extracting(WorkerSnapshot.RunningJob::roomName)
                .containsExactly(second);
    }

    @Test
    void deletingTheDispatchTerminatesTheRunningSession(LiveKitServer server) throws Exception {
        String agent = RealWorkers.unique("term");
        RealWorkers.Started w = workers.start(agent, workers.heldPool(1, agent));
        String room = workers.dispatchUntilAccepted(agent, "", w);
        await().atMost(WAIT).until(() -> w.pool().running.get() == 1);
        await().atMost(WAIT).until(() -> w.worker().snapshot().runningJobs().stream().anyMatch(WorkerSnapshot.RunningJob::running));

        AgentDispatch dispatch = server.agentDispatch().listDispatch(room).execute().body().stream()
                .filter(d -> d.getAgentName().equals(agent)).findFirst().orElseThrow();
        assertThat(server.agentDispatch().deleteDispatch(room, dispatch.getId()).execute().isSuccessful()).isTrue();

        await().atMost(WAIT).until(() -> w.pool().outcomeForRoom(room) != null);
        assertThat(w.pool().outcomeForRoom(room)).isInstanceOfSatisfying(SessionOutcome.Cancelled.class,
                c -> assertThat(c.reason()).isEqualTo("job terminated by LiveKit"));
        await().atMost(WAIT).until(() -> w.worker().snapshot().runningJobs().isEmpty());
    }

    @Test
    void aHundredDispatchesAtOnceNeverRunMoreThanTenSessionsAndNoneIsLost(LiveKitServer server) throws Exception {
        int capacity = 10;
        int dispatches = 100;
        String agent = RealWorkers.unique("burst");
        CountDownLatch burstGate = new CountDownLatch(1);
        Set<String> burstRooms = ConcurrentHashMap.newKeySet();
        FixtureSessionPool pool = new FixtureSessionPool(capacity, agent, a -> {
            if (burstRooms.contains(a.job().roomName())) {
                burstGate.await();
            }
        });
        RealWorkers.Started w = workers.start(agent, pool);
        // A first job proves the worker is dispatchable (registration race) before the burst.
        String warmUp = workers.dispatchUntilAccepted(agent, "", w);
        await().atMost(WAIT).until(() -> pool.outcomeForRoom(warmUp) != null && w.worker().snapshot().runningJobs().isEmpty());

        for (int i = 0; i < dispatches; i++) {
            burstRooms.add(RealWorkers.unique("burst-" + i));
        }
        // The rooms exist first and outlive the test (an auto-created room closes when empty for
        // 20 s on the test server, and its dispatches, which the accounting reads, with it).
        List<Future<Boolean>> created = new ArrayList<>();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String room : burstRooms) {
                created.add(callers.submit(() -> server.roomService().createRoom(room, 600).execute().isSuccessful()));
            }
        }
        for (Future<Boolean> f : created) {
            assertThat(f.get()).as("CreateRoom succeeded").isTrue();
        }
        created.clear();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String room : burstRooms) {
                created.add(callers.submit(() -> server.agentDispatch().createDispatch(room, agent, room).execute().isSuccessful()));
            }
        }
        for (Future<Boolean> f : created) {
            assertThat(f.get()).as("CreateDispatch succeeded").isTrue();
        }
        await().atMost(WAIT).until(() -> pool.running.get() == capacity);
        // Let every pending job request run into the full worker before sessions end.
        await().during(Duration.ofSeconds(4)).atMost(WAIT).until(() -> pool.running.get() == capacity);
        burstGate.countDown();

        // Settled: no session runs or is pending and no new offer arrived for a while.
        long[] lastOffers = {-1};
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(90)).until(() -> {
            long offers = w.events().all(OpenRtcEvent.JobOffered.class).size();
            boolean stable = offers == lastOffers[0];
            lastOffers[0] = offers;
            WorkerSnapshot s = w.worker().snapshot();
            return stable && s.runningJobs().isEmpty() && s.pendingAssignments() == 0;
        });

        // What the worker saw, per job id, for burst rooms only.
        Set<String> offered = jobIds(w.events().all(OpenRtcEvent.JobOffered.class).stream()
                .filter(e -> burstRooms.contains(e.job().roomName())).map(OpenRtcEvent.JobOffered::job).toList());
        Set<String> accepted = jobIds(w.events().all(OpenRtcEvent.JobAccepted.class).stream()
                .filter(e -> burstRooms.contains(e.job().roomName())).map(OpenRtcEvent.JobAccepted::job).toList());
        Set<String> declined = jobIds(w.events().all(OpenRtcEvent.JobDeclined.class).stream()
                .filter(e -> burstRooms.contains(e.job().roomName())).map(OpenRtcEvent.JobDeclined::job).toList());
        Set<String> launched = jobIds(pool.launches.stream().map(JobAssignment::job)
                .filter(j -> burstRooms.contains(j.roomName())).toList());
        Set<String> ended = new HashSet<>(pool.outcomes.keySet());
        ended.retainAll(launched);
        Set<String> expired = new HashSet<>(accepted);
        expired.removeAll(launched);

        // What LiveKit recorded: a dispatch lists a job only when it was assigned to a worker.
        Set<String> assignedByServer = new HashSet<>();
        Set<String> roomsWithoutJob = new HashSet<>();
        for (String room : burstRooms) {
            retrofit2.Response<List<AgentDispatch>> response = server.agentDispatch().listDispatch(room).execute();
            assertThat(response.isSuccessful()).as("ListDispatch for " + room + ": HTTP " + response.code()).isTrue();
            List<AgentDispatch> list = response.body();
            List<AgentDispatch> ours = list.stream().filter(d -> d.getAgentName().equals(agent)).toList();
            assertThat(ours).as("one dispatch in " + room).hasSize(1);
            List<LivekitAgent.Job> jobs = ours.getFirst().getState().getJobsList();
            assertThat(jobs).as("jobs of " + room).hasSizeLessThanOrEqualTo(1);
            if (jobs.isEmpty()) {
                roomsWithoutJob.add(room);
            } else {
                assignedByServer.add(jobs.getFirst().getId());
            }
        }
        Set<String> offeredRooms = new HashSet<>();
        w.events().all(OpenRtcEvent.JobOffered.class).forEach(e -> offeredRooms.add(e.job().roomName()));
        long neverOffered = roomsWithoutJob.stream().filter(r -> !offeredRooms.contains(r)).count();

        System.out.printf("[worker] burst of %d dispatches, max %d sessions: offered %d, accepted %d, declined %d, "
                        + "expired %d, ran %d, ended %d, not offered (worker reported full) %d, max concurrent %d%n",
                dispatches, capacity, offered.size(), accepted.size(), declined.size(), expired.size(), launched.size(),
                ended.size(), neverOffered, pool.maxRunning.get());

        assertThat(pool.maxRunning.get()).as("never more than the cap, and the cap was reached").isEqualTo(capacity);
        assertThat(offered).as("every offer answered exactly once").hasSize(accepted.size() + declined.size());
        Set<String> acceptedAndDeclined = new HashSet<>(accepted);
        acceptedAndDeclined.retainAll(declined);
        assertThat(acceptedAndDeclined).as("no job both accepted and declined").isEmpty();
        assertThat(launched).as("every launch was accepted first").isSubsetOf(accepted);
        assertThat(ended).as("every launched session ended").isEqualTo(launched);
        assertThat(assignedByServer).as("LiveKit's assigned jobs are exactly the ones that ran").isEqualTo(launched);
        assertThat(launched.size() + roomsWithoutJob.size()).as("each dispatch ran or was declined").isEqualTo(dispatches);
        assertThat(pool.outcomes.values()).allSatisfy(o -> assertThat(o).isInstanceOf(SessionOutcome.Success.class));
        assertThat(pool.contractBreaches).isEmpty();
        assertThat(pool.running.get()).isZero();
        assertThat(pool.utilization()).as("every slot given back").isZero();
    }

    private static Set<String> jobIds(List<JobInfo> jobs) {
        Set<String> ids = new HashSet<>();
        jobs.forEach(j -> ids.add(j.jobId()));
        return ids;
    }

    @Test
    void aWrongSecretFailsStartupNamingTheKeySettingsAndNeverLogsTheSecretOrToken(LiveKitServer server) {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        String wrongSecret = "wrong-secret-" + "x".repeat(32);
        try {
            FixtureSessionPool pool = workers.heldPool(1, "auth");
            Worker worker = new Worker(WorkerOptions.builder(server.url(), server.apiKey(), wrongSecret).agentName("auth").build(),
                    pool, pool, new io.openrtc.observe.EventPublisher());
            assertThatThrownBy(worker::start).isInstanceOfSatisfying(WorkerStartupException.class, e -> {
                assertThat(e.setting()).contains("openrtc.livekit.api-key").contains("openrtc.livekit.api-secret");
                assertThat(e.getMessage()).contains("LIVEKIT_API_KEY").contains("LIVEKIT_API_SECRET").contains("HTTP 401")
                        .doesNotContain(wrongSecret).doesNotContain("eyJ");
            });
            assertThat(worker.snapshot().state()).isEqualTo(ConnectionState.STOPPED);

            Worker unknownKey = new Worker(WorkerOptions.builder(server.url(), "no-such-key", server.apiSecret()).build(),
                    pool, pool, new io.openrtc.observe.EventPublisher());
            assertThatThrownBy(unknownKey::start).isInstanceOf(WorkerStartupException.class).hasMessageContaining("HTTP 401");
        } finally {
            root.detachAppender(logs);
        }
        assertThat(logs.list).isNotEmpty().allSatisfy(event -> {
            assertThat(event.getFormattedMessage()).doesNotContain(wrongSecret).doesNotContain(server.apiSecret())
                    .doesNotContain("eyJ");
        });
    }

    @Test
    void aUrlOfTheRightHostButNotTheLiveKitEndpointFailsStartupNamingTheUrl(LiveKitServer server) {
        FixtureSessionPool pool = workers.heldPool(1, "url");
        URI wrongPath = URI.create(server.url() + "/twirp");
        Worker worker = new Worker(WorkerOptions.builder(wrongPath, server.apiKey(), server.apiSecret()).build(), pool, pool,
                new io.openrtc.observe.EventPublisher());
        assertThatThrownBy(worker::start).isInstanceOfSatisfying(WorkerStartupException.class, e -> {
            assertThat(e.setting()).isEqualTo("openrtc.livekit.url");
            assertThat(e.getMessage()).contains("LIVEKIT_URL").contains(wrongPath + "/agent");
        });
    }
}
