package io.openrtc.runtime;

import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.JobInfo;
import io.openrtc.observe.DeclineReason;
import io.openrtc.pool.SessionPool;
import io.openrtc.routing.AgentRouter;
import io.openrtc.routing.RequestFilter;
import io.openrtc.routing.RoutingResult;
import io.openrtc.worker.Admission;
import io.openrtc.worker.JobAdmission;
import io.openrtc.worker.ParticipantSpec;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a job offer meets the request filter, routing and pool capacity, in that
 * order: a job the filter declines or no agent can serve is declined before a slot is reserved;
 * an accepted job holds a hard reservation in the pool.
 *
 * <p>The worker calls it on a virtual thread per offer, so offers are filtered and routed side
 * by side; only the slot's reservation is atomic (in the pool). The user's {@link RequestFilter}
 * runs on a virtual thread of its own and is given at most {@code filterTimeout}, then
 * interrupted, so a slow filter costs a decline, never LiveKit's answer budget; user routing
 * strategies are bounded the same way by the {@link AgentRouter}.
 */
final class RuntimeJobAdmission implements JobAdmission {

    private static final Logger log = LoggerFactory.getLogger(RuntimeJobAdmission.class);

    /** The participant attribute agent front ends read the agent's name from. */
    static final String AGENT_NAME_ATTRIBUTE = "lk.agent.name";

    private final RequestFilter filter;
    private final Duration filterTimeout;
    private final AgentRouter router;
    private final SessionPool pool;

    RuntimeJobAdmission(RequestFilter filter, Duration filterTimeout, AgentRouter router, SessionPool pool) {
        this.filter = filter;
        this.filterTimeout = Objects.requireNonNull(filterTimeout, "filterTimeout");
        this.router = Objects.requireNonNull(router, "router");
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    @Override
    public Admission admit(JobInfo job) {
        try {
            Admission filtered = applyFilter(job);
            if (filtered != null) {
                return filtered;
            }
            return routeAndClaim(job);
        } catch (RuntimeException e) {
            log.error("Deciding on job {} failed; declining it", job.jobId(), e);
            return new Admission.Declined(DeclineReason.ERROR, "deciding on the job failed: " + e);
        }
    }

    /**
     * Side by side with other offers: the router is thread-safe and bounds user strategies by
     * time, and the pool reserves the slot atomically, so nothing here needs a lock of its own.
     */
    private Admission routeAndClaim(JobInfo job) {
        return switch (router.route(job)) {
            case RoutingResult.Unroutable unroutable -> new Admission.Declined(unroutable.reason(), unroutable.detail());
            case RoutingResult.Routed routed -> pool.tryClaim(job, routed.agentName(), participantFor(job, routed.agentName()));
        };
    }

    /** Null when the job passes the filter (or there is none), else the decline. */
    private Admission applyFilter(JobInfo job) {
        if (filter == null) {
            return null;
        }
        CompletableFuture<Boolean> verdict = new CompletableFuture<>();
        Thread thread = Thread.ofVirtual().name("openrtc-request-filter-" + job.jobId()).start(() -> {
            try {
                verdict.complete(filter.accept(job));
            } catch (Throwable t) {
                verdict.completeExceptionally(t);
            }
        });
        try {
            return verdict.get(filterTimeout.toNanos(), TimeUnit.NANOSECONDS)
                    ? null
                    : new Admission.Declined(DeclineReason.FILTERED, "the request filter declined job " + job.jobId());
        } catch (TimeoutException e) {
            // Its answer no longer matters: interrupt it, so a filter stuck in I/O or a lock lets go
            // instead of piling up with every offer.
            thread.interrupt();
            log.warn("The request filter took longer than {} (openrtc.routing.request-filter-timeout) for job {}; "
                    + "interrupted it and declined the job", filterTimeout, job.jobId());
            return new Admission.Declined(DeclineReason.FILTERED,
                    "the request filter did not answer within " + filterTimeout + " (openrtc.routing.request-filter-timeout)");
        } catch (ExecutionException e) {
            log.warn("The request filter failed for job {}; declining it", job.jobId(), e.getCause());
            return new Admission.Declined(DeclineReason.ERROR, "the request filter failed: " + e.getCause());
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
            return new Admission.Declined(DeclineReason.ERROR, "interrupted while asking the request filter");
        }
    }

    private ParticipantSpec participantFor(JobInfo job, String agentName) {
        AgentRegistration registration = router.agents().find(agentName).orElseThrow();
        String displayName = registration.settings().participantName().isEmpty()
                ? agentName : registration.settings().participantName();
        return new ParticipantSpec("agent-" + job.jobId(), displayName, "", Map.of(AGENT_NAME_ATTRIBUTE, agentName));
    }
}
