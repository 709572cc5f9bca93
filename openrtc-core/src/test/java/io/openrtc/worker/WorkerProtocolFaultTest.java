package io.openrtc.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.JobType;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.DrainResult;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.WorkerSnapshot;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import livekit.LivekitAgent;
import livekit.LivekitAgent.AvailabilityRequest;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitAgent.WorkerStatus;
import livekit.LivekitModels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The worker against {@link FakeAgentEndpoint}, for the protocol faults and exact wire messages
 * a real livekit-server cannot be made to show: malformed frames, assignments for jobs the
 * worker never accepted, duplicates, a link that goes silent, an HTTP server that is not
 * LiveKit. The real-server behaviour is covered by {@link WorkerLiveKitServerTest}.
 */
class WorkerProtocolFaultTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private FakeAgentEndpoint fake;
    private EventPublisher events;
    private RecordingListener recorded;
    private Worker worker;
    private final CountDownLatch gate = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws Exception {
        fake = new FakeAgentEndpoint();
        events = new EventPublisher();
        recorded = new RecordingListener();
        events.addListener(recorded);
    }

    @AfterEach
    void tearDown() {
        gate.countDown();
        if (worker != null) {
            worker.stop();
        }
        fake.close();
        events.close();
    }

    private WorkerOptions.Builder options() {
        return WorkerOptions.builder(fake.url(), "fake-key", "fake-secret-that-is-long-enough-0123456789")
                .agentName("fault-agent");
    }

    private FixtureSessionPool pool(int capacity, FixtureSessionPool.SessionBody body) {
        return new FixtureSessionPool(capacity, "fault-agent", body);
    }

    private FakeAgentEndpoint.Connection startWorker(WorkerOptions options, FixtureSessionPool pool) throws Exception {
        return startWorker(options, pool, pool);
    }

    private FakeAgentEndpoint.Connection startWorker(WorkerOptions options, JobAdmission admission, FixtureSessionPool pool)
            throws Exception {
        worker = new Worker(options, admission, pool, events);
        worker.start();
        FakeAgentEndpoint.Connection connection = fake.nextConnection(WAIT);
        connection.next(WorkerMessage.MessageCase.REGISTER, WAIT);
        return connection;
    }

    private static ServerMessage offer(String jobId, String room, String metadata) {
        return ServerMessage.newBuilder().setAvailability(AvailabilityRequest.newBuilder().setJob(job(jobId, room, metadata)))
                .build();
    }

    private static LivekitAgent.Job job(String jobId, String room, String metadata) {
        return LivekitAgent.Job.newBuilder()
                .setId(jobId)
                .setDispatchId("AD_" + jobId)
                .setType(LivekitAgent.JobType.JT_ROOM)
                .setAgentName("fault-agent")
                .setMetadata(metadata)
                .setRoom(LivekitModels.Room.newBuilder().setName(room).setSid("RM_" + room))
                .build();
    }

    private static ServerMessage assignment(String jobId, String room) {
        return ServerMessage.newBuilder().setAssignment(LivekitAgent.JobAssignment.newBuilder()
                .setJob(job(jobId, room, ""))
                .setToken("job-token-" + jobId))
                .build();
    }

    private static ServerMessage termination(String jobId) {
        return ServerMessage.newBuilder().setTermination(LivekitAgent.JobTermination.newBuilder().setJobId(jobId)).build();
    }

    private static WorkerMessage availabilityAnswer(FakeAgentEndpoint.Connection c, String jobId) throws InterruptedException {
        return c.next(m -> m.hasAvailability() && m.getAvailability().getJobId().equals(jobId), WAIT);
    }

    private static WorkerMessage jobStatus(FakeAgentEndpoint.Connection c, String jobId, JobStatus status)
            throws InterruptedException {
        return c.next(m -> m.hasUpdateJob() && m.getUpdateJob().getJobId().equals(jobId)
                && m.getUpdateJob().getStatus() == status, WAIT);
    }

    @Test
    void registersWithAnAgentOnlyTokenAndTheConfiguredSettings() throws Exception {
        FixtureSessionPool pool = pool(2, a -> gate.await());
        worker = new Worker(options().jobType(JobType.PUBLISHER).version("test-1")
                .permissions(new ParticipantPermissions(true, false, true, false, true)).build(), pool, pool, events);
        worker.start();
        FakeAgentEndpoint.Connection c = fake.nextConnection(WAIT);

        WorkerMessage first = c.next(m -> true, WAIT);
        assertThat(first.getMessageCase()).as("nothing may precede register").isEqualTo(WorkerMessage.MessageCase.REGISTER);
        LivekitAgent.RegisterWorkerRequest register = first.getRegister();
        assertThat(register.getType()).isEqualTo(LivekitAgent.JobType.JT_PUBLISHER);
        assertThat(register.getAgentName()).isEqualTo("fault-agent");
        assertThat(register.getVersion()).isEqualTo("test-1");
        assertThat(register.hasNamespace()).isFalse();
        assertThat(register.getAllowedPermissions().getCanSubscribe()).isTrue();
        assertThat(register.getAllowedPermissions().getCanPublish()).isFalse();
        assertThat(register.getAllowedPermissions().getHidden()).isTrue();
        assertThat(register.getAllowedPermissions().getAgent()).isTrue();

        assertThat(c.authorization).startsWith("Bearer ");
        String[] jwt = c.authorization.substring("Bearer ".length()).split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(jwt[1]), StandardCharsets.UTF_8);
        assertThat(claims).contains("\"iss\":\"fake-key\"").contains("\"agent\":true").doesNotContain("roomJoin");

        WorkerMessage status = c.next(WorkerMessage.MessageCase.UPDATE_WORKER, WAIT);
        assertThat(status.getUpdateWorker().getStatus()).isEqualTo(WorkerStatus.WS_AVAILABLE);
        assertThat(status.getUpdateWorker().getLoad()).isZero();

        WorkerSnapshot snapshot = worker.snapshot();
        assertThat(snapshot.state()).isEqualTo(ConnectionState.REGISTERED);
        assertThat(snapshot.workerId()).isEqualTo("AW_fake1");
        await().atMost(WAIT).until(() -> !recorded.all(OpenRtcEvent.WorkerRegistered.class).isEmpty());
        assertThat(recorded.all(OpenRtcEvent.WorkerRegistered.class).getFirst().workerId()).isEqualTo("AW_fake1");
    }

    @Test
    void acceptsLaunchesAndReportsRunningThenSuccessWithALargeMetadataIntact() throws Exception {
        FixtureSessionPool pool = pool(2, a -> gate.await());
        FakeAgentEndpoint.Connection c = startWorker(options().build(), pool);
        // 1 MiB arrives in several websocket parts on the JDK client; it must come out whole.
        byte[] noise = new byte[768 * 1024];
        new Random(42).nextBytes(noise);
        String metadata = "{\"agent\":\"fault-agent\",\"blob\":\"" + Base64.getEncoder().encodeToString(noise) + "\"}";

        c.send(offer("AJ_1", "room-1", metadata));
        LivekitAgent.AvailabilityResponse answer = availabilityAnswer(c, "AJ_1").getAvailability();
        assertThat(answer.getAvailable()).isTrue();
        assertThat(answer.getTerminate()).isFalse();
        assertThat(answer.getParticipantIdentity()).isEqualTo("agent-AJ_1");
        assertThat(answer.getParticipantName()).isEqualTo("fault-agent");
        WorkerMessage load = c.next(WorkerMessage.MessageCase.UPDATE_WORKER, WAIT);
        assertThat(load.getUpdateWorker().getLoad()).isEqualTo((float) (0.5 * 0.7));
        assertThat(load.getUpdateWorker().getStatus()).isEqualTo(WorkerStatus.WS_AVAILABLE);

        c.send(assignment("AJ_1", "room-1"));
        jobStatus(c, "AJ_1", JobStatus.JS_RUNNING);
        assertThat(pool.launches).singleElement().satisfies(launch -> {
            assertThat(launch.job().jobMetadata()).isEqualTo(metadata);
            assertThat(launch.token()).isEqualTo("job-token-AJ_1");
            assertThat(launch.participantIdentity()).isEqualTo("agent-AJ_1");
            assertThat(launch.serverUrl()).isEqualTo(fake.url());
            assertThat(launch.toString()).doesNotContain("job-token");
        });
        assertThat(worker.snapshot().runningJobs()).extracting(WorkerSnapshot.RunningJob::jobId).containsExactly("AJ_1");

        gate.countDown();
        assertThat(jobStatus(c, "AJ_1", JobStatus.JS_SUCCESS).getUpdateJob().getError()).isEmpty();
        await().atMost(WAIT).until(() -> worker.snapshot().runningJobs().isEmpty());
        await().atMost(WAIT).until(() -> recorded.all(OpenRtcEvent.SessionRunning.class).size() == 1);
        assertThat(recorded.all(OpenRtcEvent.SessionRunning.class).getFirst().sinceOffer()).isPositive();
    }

    @Test
    void aFailedSessionIsReportedWithItsErrorAndATerminatedOneAsSuccess() throws Exception {
        FixtureSessionPool pool = pool(2, a -> {
            if (a.job().roomName().equals("room-fails")) {
                throw new IllegalStateException("agent crashed");
            }
            gate.await();
        });
        FakeAgentEndpoint.Connection c = startWorker(options().build(), pool);

        c.send(offer("AJ_f", "room-fails", ""));
        availabilityAnswer(c, "AJ_f");
        c.send(assignment("AJ_f", "room-fails"));
        assertThat(jobStatus(c, "AJ_f", JobStatus.JS_FAILED).getUpdateJob().getError())
                .isEqualTo("IllegalStateException: agent crashed");

        c.send(offer("AJ_t", "room-terminated", ""));
        availabilityAnswer(c, "AJ_t");
        c.send(assignment("AJ_t", "room-terminated"));
        jobStatus(c, "AJ_t", JobStatus.JS_RUNNING);
        c.send(termination("AJ_t"));
        c.send(termination("AJ_t")); // duplicates are harmless
        jobStatus(c, "AJ_t", JobStatus.JS_SUCCESS);
        assertThat(pool.outcomes.get("AJ_t")).isInstanceOfSatisfying(SessionOutcome.Cancelled.class,
                cancelled -> assertThat(cancelled.reason()).isEqualTo("job terminated by LiveKit"));
        c.send(termination("AJ_unknown")); // for a job never seen: ignored
        c.send(offer("AJ_after", "room-after", ""));
        assertThat(availabilityAnswer(c, "AJ_after").getAvailability().getAvailable()).isTrue();
        assertThat(pool.contractBreaches).isEmpty();
    }

    @Test
    void anAssignmentForAJobNotAcceptedIsAnsweredFailedAndNotLaunched() throws Exception {
        FixtureSessionPool pool = pool(1, a -> gate.await());
        FakeAgentEndpoint.Connection c = startWorker(options().build(), pool);

        c.send(assignment("AJ_never_offered", "room-x"));
        WorkerMessage failed = jobStatus(c, "AJ_never_offered", JobStatus.JS_FAILED);
        assertThat(failed.getUpdateJob().getError()).isEqualTo("not accepted");

        c.send(offer("AJ_full", "room-y", ""));
        assertThat(availabilityAnswer(c, "AJ_full").getAvailability().getAvailable()).isTrue();
        c.send(offer("AJ_declined", "room-z", ""));
        assertThat(availabilityAnswer(c, "AJ_declined").getAvailability().getAvailable()).isFalse();
        c.send(assignment("AJ_declined", "room-z"));
        assertThat(jobStatus(c, "AJ_declined", JobStatus.JS_FAILED).getUpdateJob().getError()).isEqualTo("not accepted");

        assertThat(pool.launches).isEmpty();
        assertThat(pool.admitted.get()).isEqualTo(1);
        assertThat(worker.snapshot().runningJobs()).isEmpty();
        assertThat(worker.snapshot().pendingAssignments()).isEqualTo(1);
    }

    @Test
    void duplicateRequestsAssignmentsAndTerminationsAreHarmless() throws Exception {
        FixtureSessionPool pool = pool(3, a -> gate.await());
        FakeAgentEndpoint.Connection c = startWorker(options().build(), pool);

        c.send(offer("AJ_d", "room-d", ""));
        c.send(offer("AJ_d", "room-d", ""));
        LivekitAgent.AvailabilityResponse first = availabilityAnswer(c, "AJ_d").getAvailability();
        LivekitAgent.AvailabilityResponse second = availabilityAnswer(c, "AJ_d").getAvailability();
        assertThat(second).isEqualTo(first);
        assertThat(first.getAvailable()).isTrue();
        assertThat(pool.admitted.get()).as("one slot for one job").isEqualTo(1);

        c.send(assignment("AJ_d", "room-d"));
        c.send(assignment("AJ_d", "room-d"));
        jobStatus(c, "AJ_d", JobStatus.JS_RUNNING);
        c.send(offer("AJ_d", "room-d", "")); // asked again while running: never accepted twice
        assertThat(availabilityAnswer(c, "AJ_d").getAvailability().getAvailable()).isFalse();
        c.send(termination("AJ_d"));
        c.send(termination("AJ_d"));
        jobStatus(c, "AJ_d", JobStatus.JS_SUCCESS);
        c.send(assignment("AJ_d", "room-d")); // a late duplicate after the end: ignored, not failed

        c.send(offer("AJ_next", "room-next", ""));
        availabilityAnswer(c, "AJ_next");
        assertThat(pool.launches).hasSize(1);
        assertThat(pool.outcomes).containsOnlyKeys("AJ_d");
        assertThat(c.log).filteredOn(m -> m.hasUpdateJob() && m.getUpdateJob().getJobId().equals("AJ_d"))
                .extracting(m -> m.getUpdateJob().getStatus())
                .containsExactly(JobStatus.JS_RUNNING, JobStatus.JS_SUCCESS);
        assertThat(pool.contractBreaches).isEmpty();
    }

    private static java.util.List<LivekitAgent.AvailabilityResponse> answers(FakeAgentEndpoint.Connection c, String jobId) {
        return c.log.stream().filter(m -> m.hasAvailability() && m.getAvailability().getJobId().equals(jobId))
                .map(WorkerMessage::getAvailability).toList();
    }

    /** An admission that decides only once {@code decide} is opened, as a slow request filter would. */
    private static JobAdmission heldBy(CountDownLatch decide, JobAdmission inner) {
        return job -> {
            try {
                if (!decide.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("the test never let the admission decide");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return inner.admit(job);
        };
    }

    @Test
    void anOfferRepeatedWhileTheAdmissionDecidesGetsTheSameAnswerOnceDecided() throws Exception {
        FixtureSessionPool pool = pool(2, a -> gate.await());
        CountDownLatch decide = new CountDownLatch(1);
        FakeAgentEndpoint.Connection c = startWorker(options().build(), heldBy(decide, pool), pool);

        c.send(offer("AJ_slow", "room-slow", ""));
        c.send(offer("AJ_slow", "room-slow", ""));
        c.send(offer("AJ_other", "room-other", ""));
        // The loop took all three in order (so the repeat came while deciding) and answered none.
        await().atMost(WAIT).until(() -> recorded.all(OpenRtcEvent.JobOffered.class).size() == 2);
        assertThat(c.log).noneMatch(WorkerMessage::hasAvailability);

        decide.countDown();
        await().atMost(WAIT).until(() -> answers(c, "AJ_slow").size() == 2 && answers(c, "AJ_other").size() == 1);
        assertThat(answers(c, "AJ_slow").getFirst().getAvailable()).isTrue();
        assertThat(answers(c, "AJ_slow").getLast()).isEqualTo(answers(c, "AJ_slow").getFirst());
        assertThat(pool.admitted.get()).as("one slot per job").isEqualTo(2);
        c.send(assignment("AJ_slow", "room-slow"));
        jobStatus(c, "AJ_slow", JobStatus.JS_RUNNING);
        assertThat(pool.contractBreaches).isEmpty();
    }

    @Test
    void aSlotAdmittedAfterADrainBeganIsReleasedAndTheOfferDeclined() throws Exception {
        FixtureSessionPool pool = pool(2, a -> gate.await());
        CountDownLatch decide = new CountDownLatch(1);
        FakeAgentEndpoint.Connection c = startWorker(options().build(), heldBy(decide, pool), pool);

        c.send(offer("AJ_late", "room-late", ""));
        await().atMost(WAIT).until(() -> recorded.all(OpenRtcEvent.JobOffered.class).size() == 1);
        var drained = worker.drain(Duration.ofSeconds(30)).toCompletableFuture();
        c.next(m -> m.hasUpdateWorker() && m.getUpdateWorker().getStatus() == WorkerStatus.WS_FULL, WAIT);
        decide.countDown();

        assertThat(availabilityAnswer(c, "AJ_late").getAvailability().getAvailable()).isFalse();
        await().atMost(WAIT).until(() -> pool.released.get() == 1);
        assertThat(pool.admitted.get()).isEqualTo(1);
        assertThat(pool.launches).isEmpty();
        assertThat(pool.contractBreaches).isEmpty();
        assertThat(drained.get(WAIT.toSeconds(), TimeUnit.SECONDS).completed()).isZero();
        await().atMost(WAIT).until(() -> recorded.all(OpenRtcEvent.JobDeclined.class).size() == 1);
        assertThat(recorded.all(OpenRtcEvent.JobDeclined.class)).singleElement()
                .satisfies(d -> assertThat(d.reason()).isEqualTo(DeclineReason.DRAINING));
    }

    @Test
    void malformedAndTextFramesAreIgnoredAndTheConnectionStays() throws Exception {
        FixtureSessionPool pool = pool(2, a -> gate.await());
        FakeAgentEndpoint.Connection c = startWorker(options().build(), pool);

        c.sendRaw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f});
        c.sendRaw(new byte[] {0x12, 0x7f, 0x01}); // a truncated availability request
        c.sendText("{\"availability\":{}}");
        c.send(ServerMessage.getDefaultInstance()); // an empty oneof, e.g. a kind from a newer server

        c.send(offer("AJ_ok", "room-ok", ""));
        assertThat(availabilityAnswer(c, "AJ_ok").getAvailability().getAvailable()).isTrue();
        assertThat(fake.connectionCount()).isEqualTo(1);
        assertThat(worker.snapshot().state()).isEqualTo(ConnectionState.REGISTERED);
    }

    @Test
    void aSlotWhoseAssignmentNeverComesIsReleasedAndALateAssignmentRefused() throws Exception {
        FixtureSessionPool pool = pool(1, a -> gate.await());
        FakeAgentEndpoint.Connection c = startWorker(options().assignmentTimeout(Duration.ofMillis(300)).build(), pool);

        c.send(offer("AJ_slow", "room-slow", ""));
        assertThat(availabilityAnswer(c, "AJ_slow").getAvailability().getAvailable()).isTrue();
        c.next(m -> m.hasUpdateWorker() && m.getUpdateWorker().getStatus() == WorkerStatus.WS_FULL, WAIT);
        await().atMost(WAIT).until(() -> pool.released.get() == 1);
        WorkerMessage freed = c.next(m -> m.hasUpdateWorker() && m.getUpdateWorker().getStatus() == WorkerStatus.WS_AVAILABLE,
                WAIT);
        assertThat(freed.getUpdateWorker().getLoad()).isZero();

        c.send(assignment("AJ_slow", "room-slow"));
        assertThat(jobStatus(c, "AJ_slow", JobStatus.JS_FAILED).getUpdateJob().getError()).isEqualTo("not accepted");
        assertThat(pool.launches).isEmpty();
        assertThat(pool.contractBreaches).isEmpty();
    }

    @Test
    void loadReachesTheTargetExactlyAtCapacityAndAFullWorkerDeclinesLocally() throws Exception {
        FixtureSessionPool pool = pool(2, a -> gate.await());
        FakeAgentEndpoint.Connection c = startWorker(options().build(), pool);

        c.send(offer("AJ_a", "room-a", ""));
        availabilityAnswer(c, "AJ_a");
        WorkerMessage half = c.next(WorkerMessage.MessageCase.UPDATE_WORKER, WAIT);
        assertThat(half.getUpdateWorker().getLoad()).isEqualTo(0.35f);
        assertThat(half.getUpdateWorker().getStatus()).isEqualTo(WorkerStatus.WS_AVAILABLE);

        c.send(offer("AJ_b", "room-b", ""));
        availabilityAnswer(c, "AJ_b");
        WorkerMessage full = c.next(WorkerMessage.MessageCase.UPDATE_WORKER, WAIT);
        assertThat(full.getUpdateWorker().getLoad()).as("exactly LiveKit's float32 target load").isEqualTo(0.7f);
        assertThat(full.getUpdateWorker().getStatus()).isEqualTo(WorkerStatus.WS_FULL);
        assertThat(full.getUpdateWorker().getJobCount()).isEqualTo(2);

        c.send(offer("AJ_c", "room-c", ""));
        assertThat(availabilityAnswer(c, "AJ_c").getAvailability().getAvailable()).isFalse();
        assertThat(pool.declined.get()).as("declined by the worker before asking the admission").isZero();
        await().atMost(WAIT).until(() -> !recorded.all(OpenRtcEvent.JobDeclined.class).isEmpty());
        assertThat(recorded.all(OpenRtcEvent.JobDeclined.class)).singleElement()
                .satisfies(d -> assertThat(d.reason()).isEqualTo(DeclineReason.AT_CAPACITY));
    }

    @Test
    void aSilentLinkIsDetectedByPingAndTheWorkerReRegistersKeepingItsSessions() throws Exception {
        FixtureSessionPool pool = pool(2, a -> gate.await());
        FakeAgentEndpoint.Connection first = startWorker(options()
                .pingInterval(Duration.ofMillis(200)).pingTimeout(Duration.ofMillis(400))
                .reconnectBackoff(new ReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200), 0.2))
                .build(), pool);
        first.next(WorkerMessage.MessageCase.PING, WAIT);
        first.send(offer("AJ_keep", "room-keep", ""));
        availabilityAnswer(first, "AJ_keep");
        first.send(assignment("AJ_keep", "room-keep"));
        jobStatus(first, "AJ_keep", JobStatus.JS_RUNNING);

        fake.answerPings(false);
        FakeAgentEndpoint.Connection second = fake.nextConnection(WAIT);
        fake.answerPings(true);
        second.next(WorkerMessage.MessageCase.REGISTER, WAIT);
        // As LiveKit's reference worker (_report_active_jobs): the running job is named right after re-registering.
        WorkerMessage migrate = second.next(WorkerMessage.MessageCase.MIGRATE_JOB, WAIT);
        assertThat(migrate.getMigrateJob().getJobIdsList()).containsExactly("AJ_keep");
        WorkerMessage status = second.next(WorkerMessage.MessageCase.UPDATE_WORKER, WAIT);
        assertThat(status.getUpdateWorker().getLoad()).as("the running session still counts").isEqualTo(0.35f);

        await().atMost(WAIT).until(() -> worker.snapshot().state() == ConnectionState.REGISTERED);
        WorkerSnapshot snapshot = worker.snapshot();
        assertThat(snapshot.workerId()).isEqualTo("AW_fake2");
        assertThat(snapshot.runningJobs()).extracting(WorkerSnapshot.RunningJob::jobId).containsExactly("AJ_keep");
        assertThat(snapshot.lastError()).contains("no message from LiveKit");
        await().atMost(WAIT).until(() -> !recorded.all(OpenRtcEvent.WorkerDisconnected.class).isEmpty());

        gate.countDown();
        await().atMost(WAIT).until(() -> pool.outcomes.containsKey("AJ_keep"));
        await().atMost(WAIT).until(() -> worker.snapshot().runningJobs().isEmpty());
        // Its end is reported on the connection that is current, as the reference worker does.
        jobStatus(second, "AJ_keep", JobStatus.JS_SUCCESS);
        second.next(m -> m.hasUpdateWorker() && m.getUpdateWorker().getLoad() == 0f, WAIT);
        assertThat(first.log).noneMatch(m -> m.hasUpdateJob() && m.getUpdateJob().getStatus() == JobStatus.JS_SUCCESS);
    }

    @Test
    void aReRegisteredWorkerWithNoSessionsSendsNoMigrateJobRequest() throws Exception {
        FixtureSessionPool pool = pool(2, a -> gate.await());
        FakeAgentEndpoint.Connection first = startWorker(options()
                .pingInterval(Duration.ofMillis(200)).pingTimeout(Duration.ofMillis(400))
                .reconnectBackoff(new ReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200), 0.2))
                .build(), pool);
        first.next(WorkerMessage.MessageCase.PING, WAIT);
        fake.answerPings(false);
        FakeAgentEndpoint.Connection second = fake.nextConnection(WAIT);
        fake.answerPings(true);
        second.next(WorkerMessage.MessageCase.REGISTER, WAIT);
        second.next(WorkerMessage.MessageCase.UPDATE_WORKER, WAIT);
        assertThat(first.log).noneMatch(WorkerMessage::hasMigrateJob);
        assertThat(second.log).noneMatch(WorkerMessage::hasMigrateJob);
    }

    @Test
    void aRepeatedOfferForAJobFromAnEarlierConnectionIsAnsweredOnTheNewOne() throws Exception {
        FixtureSessionPool pool = pool(3, a -> gate.await());
        FakeAgentEndpoint.Connection first = startWorker(options()
                .pingInterval(Duration.ofMillis(200)).pingTimeout(Duration.ofMillis(400))
                .reconnectBackoff(new ReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200), 0.2))
                .build(), pool);
        first.next(WorkerMessage.MessageCase.PING, WAIT);
        first.send(offer("AJ_run", "room-run", ""));
        assertThat(availabilityAnswer(first, "AJ_run").getAvailability().getAvailable()).isTrue();
        first.send(assignment("AJ_run", "room-run"));
        jobStatus(first, "AJ_run", JobStatus.JS_RUNNING);
        first.send(offer("AJ_open", "room-open", ""));
        assertThat(availabilityAnswer(first, "AJ_open").getAvailability().getAvailable()).isTrue();

        fake.answerPings(false);
        FakeAgentEndpoint.Connection second = fake.nextConnection(WAIT);
        fake.answerPings(true);
        second.next(WorkerMessage.MessageCase.REGISTER, WAIT);
        await().atMost(WAIT).until(() -> worker.snapshot().state() == ConnectionState.REGISTERED);

        // Both were known from the first connection: the running one and the accepted one whose
        // slot the lost connection released. Each repeat gets an answer here, and it is a decline.
        second.send(offer("AJ_run", "room-run", ""));
        LivekitAgent.AvailabilityResponse running = availabilityAnswer(second, "AJ_run").getAvailability();
        assertThat(running.getAvailable()).isFalse();
        assertThat(running.getTerminate()).isFalse();
        second.send(offer("AJ_open", "room-open", ""));
        assertThat(availabilityAnswer(second, "AJ_open").getAvailability().getAvailable()).isFalse();
        // A new job on the new connection is still accepted; the running session is untouched.
        second.send(offer("AJ_new", "room-new", ""));
        assertThat(availabilityAnswer(second, "AJ_new").getAvailability().getAvailable()).isTrue();
        assertThat(pool.launches).extracting(l -> l.job().jobId()).containsExactly("AJ_run");
        assertThat(worker.snapshot().runningJobs()).extracting(WorkerSnapshot.RunningJob::jobId).contains("AJ_run");
    }

    @Test
    void aDrainDeclinesNewJobsReportsFullWaitsForSessionsAndClosesWith1000() throws Exception {
        FixtureSessionPool pool = pool(2, a -> gate.await());
        FakeAgentEndpoint.Connection c = startWorker(options().build(), pool);
        c.send(offer("AJ_run", "room-run", ""));
        availabilityAnswer(c, "AJ_run");
        c.send(assignment("AJ_run", "room-run"));
        jobStatus(c, "AJ_run", JobStatus.JS_RUNNING);

        var drained = worker.drain(Duration.ofSeconds(30)).toCompletableFuture();
        Object again = worker.drain(Duration.ofSeconds(1));
        assertThat(again == worker.drain(Duration.ofSeconds(2))).as("a second drain returns the same stage").isTrue();
        c.next(m -> m.hasUpdateWorker() && m.getUpdateWorker().getStatus() == WorkerStatus.WS_FULL, WAIT);
        c.send(offer("AJ_new", "room-new", ""));
        assertThat(availabilityAnswer(c, "AJ_new").getAvailability().getAvailable()).isFalse();
        assertThat(drained).isNotDone();
        assertThat(worker.snapshot().draining()).isTrue();

        gate.countDown();
        jobStatus(c, "AJ_run", JobStatus.JS_SUCCESS);
        DrainResult result = drained.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(result.completed()).isEqualTo(1);
        assertThat(result.cancelled()).isZero();
        await().atMost(WAIT).until(() -> c.closeCode == 1000);
        assertThat(worker.snapshot().state()).isEqualTo(ConnectionState.STOPPED);
        assertThat(pool.admitted.get()).isEqualTo(1);
        await().atMost(WAIT).until(() -> recorded.all(OpenRtcEvent.DrainFinished.class).size() == 1);
        assertThat(recorded.all(OpenRtcEvent.DrainStarted.class)).hasSize(1);
        assertThat(recorded.all(OpenRtcEvent.JobDeclined.class)).singleElement()
                .satisfies(d -> assertThat(d.reason()).isEqualTo(DeclineReason.DRAINING));
    }

    @Test
    void aDrainPastItsTimeoutCancelsTheRestAndReportsThemBeforeClosing() throws Exception {
        FixtureSessionPool pool = pool(2, a -> new CountDownLatch(1).await()); // never ends by itself
        FakeAgentEndpoint.Connection c = startWorker(options().build(), pool);
        for (String id : new String[] {"AJ_s1", "AJ_s2"}) {
            c.send(offer(id, "room-" + id, ""));
            availabilityAnswer(c, id);
            c.send(assignment(id, "room-" + id));
            jobStatus(c, id, JobStatus.JS_RUNNING);
        }

        DrainResult result = worker.drain(Duration.ofMillis(200)).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(result.completed()).isZero();
        assertThat(result.cancelled()).isEqualTo(2);
        assertThat(result.abandoned()).isZero();
        assertThat(pool.outcomes.values()).allSatisfy(o -> assertThat(o).isInstanceOfSatisfying(SessionOutcome.Cancelled.class,
                cancelled -> assertThat(cancelled.reason()).isEqualTo("drain timeout")));
        await().atMost(WAIT).until(() -> c.closeCode == 1000);
        assertThat(c.log).filteredOn(m -> m.hasUpdateJob() && m.getUpdateJob().getStatus() == JobStatus.JS_SUCCESS)
                .extracting(m -> m.getUpdateJob().getJobId()).containsExactlyInAnyOrder("AJ_s1", "AJ_s2");
    }

    @Test
    void anHttpServerThatIsNotLiveKitFailsStartupNamingTheUrlSetting() {
        fake.answerHttp(404);
        FixtureSessionPool pool = pool(1, a -> gate.await());
        worker = new Worker(options().build(), pool, pool, events);
        assertThatThrownBy(worker::start).isInstanceOfSatisfying(WorkerStartupException.class, e -> {
            assertThat(e.setting()).isEqualTo("openrtc.livekit.url");
            assertThat(e.getMessage()).contains("openrtc.livekit.url").contains("LIVEKIT_URL").contains("HTTP 404");
        });
        assertThat(worker.snapshot().state()).isEqualTo(ConnectionState.STOPPED);

        fake.answerHttp(200);
        Worker second = new Worker(options().build(), pool, pool, events);
        assertThatThrownBy(second::start).isInstanceOf(WorkerStartupException.class).hasMessageContaining("HTTP 200");
    }

    @Test
    void anUnreachableServerDoesNotFailStartupAndIsRetriedInTheBackground() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        FixtureSessionPool pool = pool(1, a -> gate.await());
        worker = new Worker(WorkerOptions.builder(URI.create("ws://127.0.0.1:" + closedPort), "k", "s")
                .reconnectBackoff(new ReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200), 0.5))
                .build(), pool, pool, events);

        worker.start();

        WorkerSnapshot snapshot = worker.snapshot();
        assertThat(snapshot.state()).isIn(ConnectionState.DISCONNECTED, ConnectionState.CONNECTING);
        assertThat(snapshot.lastError()).contains("cannot connect to ws://127.0.0.1:" + closedPort + "/agent");
        assertThat(snapshot.failedAttempts()).isGreaterThanOrEqualTo(1);
        await().atMost(WAIT).until(() -> worker.snapshot().failedAttempts() >= 3);
        await().atMost(WAIT).until(() -> recorded.all(OpenRtcEvent.WorkerDisconnected.class).size() >= 3);
        OpenRtcEvent.WorkerDisconnected third = recorded.all(OpenRtcEvent.WorkerDisconnected.class).get(2);
        assertThat(third.attempt()).isEqualTo(3);
        assertThat(third.retryIn()).isBetween(Duration.ofMillis(100), Duration.ofMillis(300));
    }

    @Test
    void aWebsocketThatNeverAnswersTheRegistrationIsRetriedUntilOneDoes() throws Exception {
        fake.answerRegister(false);
        FixtureSessionPool pool = pool(1, a -> gate.await());
        worker = new Worker(options().registerTimeout(Duration.ofMillis(300))
                .reconnectBackoff(new ReconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(200), 0.1)).build(),
                pool, pool, events);

        worker.start();

        assertThat(worker.snapshot().lastError()).contains("no registration answer from " + fake.url() + "/agent");
        assertThat(worker.snapshot().state()).isNotEqualTo(ConnectionState.REGISTERED);
        fake.answerRegister(true);
        await().atMost(WAIT).until(() -> worker.snapshot().state() == ConnectionState.REGISTERED);
        assertThat(fake.connectionCount()).isGreaterThanOrEqualTo(2);
        assertThat(worker.snapshot().failedAttempts()).isZero();
    }

    @Test
    void invalidOptionsAreRejectedNamingTheField() {
        URI url = URI.create("ws://localhost:7880");
        assertThatThrownBy(() -> WorkerOptions.builder(URI.create("localhost:7880"), "k", "s").build())
                .hasMessageContaining("openrtc.livekit.url");
        assertThatThrownBy(() -> WorkerOptions.builder(URI.create("ftp://x"), "k", "s").build())
                .hasMessageContaining("ws://, wss://, http:// or https://");
        assertThatThrownBy(() -> WorkerOptions.builder(url, " ", "s").build()).hasMessageContaining("openrtc.livekit.api-key");
        assertThatThrownBy(() -> WorkerOptions.builder(url, "k", "").build()).hasMessageContaining("openrtc.livekit.api-secret");
        assertThatThrownBy(() -> WorkerOptions.builder(url, "k", "s").targetLoad(0).build()).hasMessageContaining("targetLoad");
        assertThatThrownBy(() -> WorkerOptions.builder(url, "k", "s").statusInterval(Duration.ZERO).build())
                .hasMessageContaining("statusInterval");
        assertThatThrownBy(() -> WorkerOptions.builder(url, "k", "s").agentName(" x").build()).hasMessageContaining("agentName");
        assertThatThrownBy(() -> new ReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0.1))
                .hasMessageContaining("reconnectBackoff.max");
        assertThat(WorkerOptions.builder(url, "k", "top-secret").build().toString()).doesNotContain("top-secret");
    }

    @Test
    void backoffDoublesUpToItsCapWithBoundedJitter() {
        ReconnectBackoff backoff = new ReconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.2);
        Random random = new Random(1);
        assertThat(backoff.delay(1, random)).isBetween(Duration.ofMillis(80), Duration.ofMillis(120));
        assertThat(backoff.delay(3, random)).isBetween(Duration.ofMillis(320), Duration.ofMillis(480));
        assertThat(backoff.delay(50, random)).isBetween(Duration.ofMillis(800), Duration.ofMillis(1200));
    }
}
