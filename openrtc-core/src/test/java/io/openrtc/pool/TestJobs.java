package io.openrtc.pool;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.JobType;
import io.openrtc.worker.Admission;
import io.openrtc.worker.JobAssignment;
import io.openrtc.worker.JobClaim;
import io.openrtc.worker.ParticipantSpec;
import io.openrtc.worker.SessionHandle;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Jobs and assignments for pool tests; the job metadata is a {@link ScriptedBody} script. */
final class TestJobs {

    static final String AGENT = "restaurant";
    static final String TOKEN_PREFIX = "test-token-";
    private static final AtomicInteger counter = new AtomicInteger();

    private TestJobs() {
    }

    static JobInfo job(String script) {
        String id = "AJ_test" + counter.incrementAndGet();
        return new JobInfo(id, "AD_" + id, JobType.ROOM, "", script, "room-" + id, "RM_" + id, "{\"room\":true}", "",
                Map.of("k", "v"));
    }

    static JobAssignment assignment(JobInfo job) {
        return new JobAssignment(job, URI.create("ws://127.0.0.1:7880"), TOKEN_PREFIX + job.jobId(), "agent-" + job.jobId());
    }

    static JobClaim claim(SessionPool pool, JobInfo job) {
        Admission admission = pool.tryClaim(job, AGENT, ParticipantSpec.forJob(job.jobId(), AGENT));
        if (admission instanceof Admission.Accepted accepted) {
            return accepted.claim();
        }
        throw new AssertionError("Expected the pool to accept " + job.jobId() + ", got " + admission);
    }

    /** Claims and launches a session running {@code script}. */
    static SessionHandle launch(SessionPool pool, String script) {
        JobInfo job = job(script);
        return claim(pool, job).launch(assignment(job));
    }
}
