package io.openrtc.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.observe.EventPublisher;
import io.openrtc.test.Fuzz;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import livekit.LivekitAgent;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitModels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the worker protocol as the worker reads it: 10,000 frames from {@link FakeAgentEndpoint}
 * (a fake, because a real livekit-server never sends garbage): offers, assignments, terminations,
 * registrations and pongs with hostile fields, assignments for jobs never accepted, and bytes that
 * are no {@code ServerMessage} or a valid one mutated. The worker must keep its connection, keep
 * its accounting within capacity, and still answer a real offer at once afterwards (and every
 * thousand frames along the way).
 */
class WorkerProtocolFuzzTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String AGENT = "fuzz-agent";

    private FakeAgentEndpoint fake;
    private final EventPublisher events = new EventPublisher();
    private Worker worker;

    @org.junit.jupiter.api.BeforeEach
    void setUp() throws Exception {
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
    void hostileFramesNeitherBreakTheConnectionNorTheAccounting() throws Exception {
        Fuzz fuzz = Fuzz.seeded("worker protocol");
        ch.qos.logback.classic.Logger workerLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Worker.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        workerLog.addAppender(logged);
        FixtureSessionPool pool = new FixtureSessionPool(2, AGENT, assignment -> { });
        worker = new Worker(WorkerOptions.builder(fake.url(), "fuzz-key", "fuzz-secret-that-is-long-enough-0123456789")
                .agentName(AGENT).build(), pool, pool, events);
        worker.start();
        FakeAgentEndpoint.Connection c = fake.nextConnection(WAIT);
        c.next(WorkerMessage.MessageCase.REGISTER, WAIT);
        List<byte[]> valid = new ArrayList<>();
        int checks = 0;
        for (int i = 0; i < Fuzz.INPUTS; i++) {
            if (i % 1000 == 999) {
                answersARealOffer(c, "AJ_check" + i);
                checks++;
                continue;
            }
            if (valid.isEmpty() || fuzz.chance(0.6)) {
                byte[] frame = message(fuzz).toByteArray();
                if (valid.size() < 64) {
                    valid.add(frame);
                }
                c.sendRaw(frame);
            } else {
                c.sendRaw(fuzz.chance(0.7) ? fuzz.mutate(valid.get(fuzz.nextInt(valid.size()))) : fuzz.bytes());
            }
            assertThat(worker.snapshot().runningJobs().size()).as("input %d of seed %d", i, fuzz.seed()).isLessThanOrEqualTo(2);
        }
        answersARealOffer(c, "AJ_final");
        assertThat(fake.connectionCount()).as("the worker kept its one connection (seed %d)", fuzz.seed()).isEqualTo(1);
        long answers = c.log.stream().filter(WorkerMessage::hasAvailability).count();
        workerLog.detachAppender(logged);
        long warnings = logged.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN).count();
        // A server sending garbage gets one warning per interval, not one per frame.
        assertThat(warnings).as("warnings logged for %d hostile frames", Fuzz.INPUTS).isLessThanOrEqualTo(5);
        System.out.printf("[fuzz] worker protocol: %d frames, %d availability answers, %d sessions launched, %d checks "
                + "answered, one connection throughout, %d warnings logged%n", Fuzz.INPUTS, answers, pool.launches.size(), checks + 1,
                warnings);
    }

    /** A well-formed offer gets its answer (the worker still reads and answers, promptly). */
    private static void answersARealOffer(FakeAgentEndpoint.Connection c, String jobId) throws InterruptedException {
        c.send(ServerMessage.newBuilder().setAvailability(LivekitAgent.AvailabilityRequest.newBuilder()
                .setJob(job(jobId, "{\"agent\":\"" + AGENT + "\"}", "room-" + jobId))).build());
        WorkerMessage answer = c.next(m -> m.hasAvailability() && m.getAvailability().getJobId().equals(jobId), WAIT);
        assertThat(answer.getAvailability().getJobId()).isEqualTo(jobId);
    }

    private static LivekitAgent.Job job(String id, String metadata, String room) {
        return LivekitAgent.Job.newBuilder().setId(id).setDispatchId("AD_" + id).setType(LivekitAgent.JobType.JT_ROOM)
                .setAgentName(AGENT).setMetadata(metadata).setRoom(LivekitModels.Room.newBuilder().setName(room).setSid("RM_" + room))
                .build();
    }

    private static ServerMessage message(Fuzz fuzz) {
        String id = fuzz.chance(0.8) ? "AJ_" + fuzz.nextInt(8) : fuzz.string();
        LivekitAgent.Job.Builder job = LivekitAgent.Job.newBuilder().setId(id).setDispatchId(fuzz.string())
                .setType(fuzz.oneOf(LivekitAgent.JobType.JT_ROOM, LivekitAgent.JobType.JT_PUBLISHER,
                        LivekitAgent.JobType.JT_PARTICIPANT))
                .setAgentName(fuzz.chance(0.8) ? AGENT : fuzz.string()).setMetadata(fuzz.string());
        if (fuzz.chance(0.8)) {
            LivekitModels.Room.Builder room = LivekitModels.Room.newBuilder().setName(fuzz.string()).setSid(fuzz.string())
                    .setMetadata(fuzz.string());
            job.setRoom(room);
        }
        if (fuzz.chance(0.3)) {
            LivekitModels.ParticipantInfo.Builder participant = LivekitModels.ParticipantInfo.newBuilder()
                    .setIdentity(fuzz.string()).setSid(fuzz.string()).setMetadata(fuzz.string());
            for (int a = fuzz.nextInt(3); a > 0; a--) {
                participant.putAttributes(fuzz.string(), fuzz.string());
            }
            job.setParticipant(participant);
        }
        ServerMessage.Builder message = ServerMessage.newBuilder();
        switch (fuzz.nextInt(5)) {
            case 0 -> message.setAvailability(LivekitAgent.AvailabilityRequest.newBuilder().setJob(job)
                    .setResuming(fuzz.chance(0.2)));
            case 1 -> message.setAssignment(LivekitAgent.JobAssignment.newBuilder().setJob(job).setToken(fuzz.string())
                    .setUrl(fuzz.chance(0.5) ? fuzz.string() : ""));
            case 2 -> message.setTermination(LivekitAgent.JobTermination.newBuilder().setJobId(id));
            case 3 -> message.setPong(LivekitAgent.WorkerPong.newBuilder().setLastTimestamp(fuzz.random().nextLong())
                    .setTimestamp(fuzz.random().nextLong()));
            default -> message.setRegister(LivekitAgent.RegisterWorkerResponse.newBuilder().setWorkerId(fuzz.string())
                    .setServerInfo(LivekitModels.ServerInfo.newBuilder().setVersion(fuzz.string())));
        }
        return message.build();
    }
}
