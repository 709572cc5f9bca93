package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.JobInfo;
import io.openrtc.observe.SessionMdc;
import io.openrtc.pool.PoolOptions;
import io.openrtc.pool.SessionPool;
import io.openrtc.worker.Admission;
import io.openrtc.worker.JobAssignment;
import io.openrtc.worker.ParticipantSpec;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** A session's thread, and the threads it starts, log with its tenant, agent and job in the MDC. */
class SessionMdcTest {

    @Test
    void theSessionsThreadAndTheThreadsItStartsCarryItsTenant() throws Exception {
        CompletableFuture<Map<String, String>> own = new CompletableFuture<>();
        CompletableFuture<Map<String, String>> started = new CompletableFuture<>();
        try (SessionPool pool = SessionPool.builder(PoolOptions.builder().drainTimeout(Duration.ofSeconds(5)).build(),
                (request, control) -> {
                    own.complete(MDC.getCopyOfContextMap());
                    Thread.ofVirtual().start(SessionMdc.propagate(() -> started.complete(MDC.getCopyOfContextMap())))
                            .join();
                }).start()) {
            JobInfo job = JobInfo.forRoom("AJ_mdc", "room", "", "");
            Admission admission = pool.tryClaim(job, "restaurant", "acme", ParticipantSpec.forJob(job.jobId(), "x"));
            ((Admission.Accepted) admission).claim().launch(new JobAssignment(job, URI.create("ws://127.0.0.1:1"), "t",
                    "agent-AJ_mdc")).outcome().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        Map<String, String> expected = Map.of("tenant", "acme", "agent", "restaurant", "job", "AJ_mdc");
        assertThat(own.get(1, TimeUnit.SECONDS)).containsAllEntriesOf(expected);
        assertThat(started.get(1, TimeUnit.SECONDS)).containsAllEntriesOf(expected);
        assertThat(MDC.get("tenant")).isNull();
    }
}
