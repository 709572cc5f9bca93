package io.openrtc.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.EventPublisher;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import livekit.LivekitAgent;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitModels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A session's end goes to LiveKit when the session says it is ending, before it leaves its room
 * (LiveKit records a job whose agent left first as failed), and only once: the outcome that
 * follows repeats nothing, unless it differs.
 */
class WorkerEndingStatusTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** A session whose ending and outcome the test decides. */
    static final class Handle implements SessionHandle {
        final CompletableFuture<SessionOutcome> ending = new CompletableFuture<>();
        final CompletableFuture<SessionOutcome> outcome = new CompletableFuture<>();
        final CountDownLatch endReported = new CountDownLatch(1);

        @Override
        public CompletionStage<Void> running() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<SessionOutcome> outcome() {
            return outcome;
        }

        @Override
        public CompletionStage<SessionOutcome> ending() {
            return ending;
        }

        @Override
        public void endReported() {
            endReported.countDown();
        }

        @Override
        public void cancel(String reason) {
            outcome.complete(new SessionOutcome.Cancelled(reason, Instant.now(), Instant.now()));
        }
    }

    private final Map<String, Handle> handles = new ConcurrentHashMap<>();
    private final FakeAgentEndpoint fake;
    private final EventPublisher events = new EventPublisher();
    private Worker worker;

    WorkerEndingStatusTest() throws Exception {
        fake = new FakeAgentEndpoint();
    }

    @AfterEach
    void tearDown() {
        if (worker != null) {
            worker.stop();
        }
        fake.close();
        events.close();
    }

    @Test
    void theEndIsSentWhenTheSessionSaysItIsEndingAndNotAgainUnlessItChanged() throws Exception {
        FakeAgentEndpoint.Connection c = start();

        Handle ok = run(c, "AJ_ok");
        ok.ending.complete(new SessionOutcome.Success(Instant.now(), Instant.now()));
        status(c, "AJ_ok", JobStatus.JS_SUCCESS);
        assertThat(ok.endReported.await(10, TimeUnit.SECONDS)).as("the session is told it may leave its room").isTrue();
        ok.outcome.complete(new SessionOutcome.Success(Instant.now(), Instant.now()));

        Handle changed = run(c, "AJ_changed");
        changed.ending.complete(new SessionOutcome.Success(Instant.now(), Instant.now()));
        status(c, "AJ_changed", JobStatus.JS_SUCCESS);
        changed.outcome.complete(new SessionOutcome.Failed(new IllegalStateException("the cleanup failed"), Instant.now(),
                Instant.now()));
        assertThat(status(c, "AJ_changed", JobStatus.JS_FAILED).getUpdateJob().getError()).contains("the cleanup failed");

        // A later job's answer: everything about the first two has been sent by then.
        c.send(offer("AJ_probe"));
        c.next(m -> m.hasAvailability() && m.getAvailability().getJobId().equals("AJ_probe"), WAIT);
        assertThat(c.log).filteredOn(m -> m.hasUpdateJob() && m.getUpdateJob().getJobId().equals("AJ_ok"))
                .extracting(m -> m.getUpdateJob().getStatus())
                .containsExactly(JobStatus.JS_RUNNING, JobStatus.JS_SUCCESS);
    }

    private FakeAgentEndpoint.Connection start() throws Exception {
        JobAdmission admission = job -> new Admission.Accepted(claim(job));
        WorkerLoad load = new WorkerLoad() {
            @Override
            public double utilization() {
                return 0;
            }

            @Override
            public boolean isFull() {
                return false;
            }
        };
        worker = new Worker(WorkerOptions.builder(fake.url(), "fake-key", "fake-secret-that-is-long-enough-0123456789")
                .agentName("ending-agent").build(), admission, load, events);
        worker.start();
        FakeAgentEndpoint.Connection c = fake.nextConnection(WAIT);
        c.next(WorkerMessage.MessageCase.REGISTER, WAIT);
        return c;
    }

    private JobClaim claim(JobInfo job) {
        return new JobClaim() {
            @Override
            public String agentName() {
                return "ending-agent";
            }

            @Override
            public ParticipantSpec participant() {
                return ParticipantSpec.forJob(job.jobId(), "ending-agent");
            }

            @Override
            public SessionHandle launch(JobAssignment assignment) {
                return handles.computeIfAbsent(job.jobId(), id -> new Handle());
            }

            @Override
            public void release() {
            }
        };
    }

    private Handle run(FakeAgentEndpoint.Connection c, String jobId) throws InterruptedException {
        c.send(offer(jobId));
        c.next(m -> m.hasAvailability() && m.getAvailability().getJobId().equals(jobId), WAIT);
        c.send(ServerMessage.newBuilder().setAssignment(LivekitAgent.JobAssignment.newBuilder().setJob(job(jobId))
                .setToken("job-token-" + jobId)).build());
        status(c, jobId, JobStatus.JS_RUNNING);
        return handles.get(jobId);
    }

    private static WorkerMessage status(FakeAgentEndpoint.Connection c, String jobId, JobStatus status) throws InterruptedException {
        return c.next(m -> m.hasUpdateJob() && m.getUpdateJob().getJobId().equals(jobId) && m.getUpdateJob().getStatus() == status,
                WAIT);
    }

    private static ServerMessage offer(String jobId) {
        return ServerMessage.newBuilder().setAvailability(LivekitAgent.AvailabilityRequest.newBuilder().setJob(job(jobId))).build();
    }

    private static LivekitAgent.Job job(String jobId) {
        return LivekitAgent.Job.newBuilder().setId(jobId).setDispatchId("AD_" + jobId).setType(LivekitAgent.JobType.JT_ROOM)
                .setAgentName("ending-agent").setRoom(LivekitModels.Room.newBuilder().setName("room-" + jobId).setSid("RM_" + jobId))
                .build();
    }
}
