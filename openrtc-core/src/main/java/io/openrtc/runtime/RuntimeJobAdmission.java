package io.openrtc.runtime;

import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.JobInfo;
import io.openrtc.observe.DeclineReason;
import io.openrtc.pool.SessionPool;
import io.openrtc.routing.AgentRouter;
import io.openrtc.routing.RequestFilter;
import io.openrtc.routing.RoutingResult;
import io.openrtc.tenant.TenantOptions;
import io.openrtc.tenant.TenantResolver;
import io.openrtc.tenant.TenantSettings;
import io.openrtc.tenant.Tenants;
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
 * The one place where a job offer meets its tenant, the request filter, routing, the tenant's
 * rules and pool capacity, in that order: the tenant is decided first (so every answer names it);
 * a job the filter declines, no agent can serve, or whose tenant may not use the agent routing
 * chose is declined before a slot is reserved; the pool then checks the tenant's cap and breaker
 * with the worker's capacity, and an accepted job holds a hard reservation there.
 *
 * <p>The worker calls it on a virtual thread per offer, so offers are filtered and routed side
 * by side; only the slot's reservation is atomic (in the pool). The user's {@link RequestFilter}
 * runs on a virtual thread of its own and is given at most {@code filterTimeout}, then
 * interrupted, so a slow filter costs a decline, never LiveKit's answer budget; a user
 * {@link TenantResolver} is bounded the same way, and user routing strategies by the
 * {@link AgentRouter}.
 */
final class RuntimeJobAdmission implements JobAdmission {

    private static final Logger log = LoggerFactory.getLogger(RuntimeJobAdmission.class);

    /** The participant attribute agent front ends read the agent's name from. */
    static final String AGENT_NAME_ATTRIBUTE = "lk.agent.name";

    private final RequestFilter filter;
    private final Duration filterTimeout;
    private final TenantResolver tenantResolver;
    private final Duration tenantResolverTimeout;
    private final TenantOptions tenants;
    private final AgentRouter router;
    private final SessionPool pool;

    RuntimeJobAdmission(RequestFilter filter, Duration filterTimeout, AgentRouter router, SessionPool pool) {
        this(filter, filterTimeout, TenantResolver.fromMetadata(), DEFAULT_TENANT_RESOLVER_TIMEOUT, TenantOptions.defaults(),
                router, pool);
    }

    /**
     * @param tenantResolver        decides each job's tenant; {@link TenantResolver#fromMetadata()}
     *                              runs inline (it never blocks), any other on a thread of its own
     *                              for at most {@code tenantResolverTimeout}
     * @param tenants               the tenants' rules (allowed agents here; caps and breakers in the pool)
     */
    RuntimeJobAdmission(RequestFilter filter, Duration filterTimeout, TenantResolver tenantResolver,
            Duration tenantResolverTimeout, TenantOptions tenants, AgentRouter router, SessionPool pool) {
        this.filter = filter;
        this.filterTimeout = Objects.requireNonNull(filterTimeout, "filterTimeout");
        this.tenantResolver = Objects.requireNonNull(tenantResolver, "tenantResolver");
        this.tenantResolverTimeout = Objects.requireNonNull(tenantResolverTimeout, "tenantResolverTimeout");
        this.tenants = Objects.requireNonNull(tenants, "tenants");
        this.router = Objects.requireNonNull(router, "router");
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    /** The default {@code openrtc.routing.tenant-resolver-timeout}. */
    static final Duration DEFAULT_TENANT_RESOLVER_TIMEOUT = Duration.ofMillis(500);

    /**
     * The tenant from metadata, the built-in routing strategies, the tenant's settings, the
     * participant and a breaker, once on a made-up job. The request filter, a user tenant resolver
     * and user routing strategies are not called, and no slot or permission is held afterwards.
     */
    @Override
    public void warmUp() {
        JobInfo job = JobInfo.forRoom("AJ_warm_up", "warm-up", "{}", "{}");
        if (tenantResolver == TenantResolver.fromMetadata()) {
            resolveTenant(job);
        }
        router.warmUp(job);
        tenants.settings(Tenants.DEFAULT);
        router.agents().names().stream().findFirst().ifPresent(name -> participantFor(job, name));
        pool.warmUpAdmission();
    }

    @Override
    public Admission admit(JobInfo job) {
        String tenant = "";
        try {
            Tenant decided = resolveTenant(job);
            if (decided.declined() != null) {
                return decided.declined();
            }
            tenant = decided.id();
            Admission filtered = applyFilter(job);
            if (filtered != null) {
                return tenanted(filtered, tenant);
            }
            return tenanted(routeAndClaim(job, tenant), tenant);
        } catch (RuntimeException e) {
            log.error("Deciding on job {} failed; declining it", job.jobId(), e);
            return new Admission.Declined(DeclineReason.ERROR, "deciding on the job failed: " + e, tenant);
        }
    }

    private static Admission tenanted(Admission admission, String tenant) {
        return admission instanceof Admission.Declined declined && declined.tenant().isEmpty()
                ? declined.forTenant(tenant) : admission;
    }

    /**
     * Side by side with other offers: the router is thread-safe and bounds user strategies by
     * time, and the pool reserves the slot atomically, so nothing here needs a lock of its own.
     */
    private Admission routeAndClaim(JobInfo job, String tenant) {
        return switch (router.route(job)) {
            case RoutingResult.Unroutable unroutable -> new Admission.Declined(unroutable.reason(), unroutable.detail());
            case RoutingResult.Routed routed -> {
                TenantSettings settings = tenants.settings(tenant);
                if (!settings.allows(routed.agentName())) {
                    String detail = "tenant '" + tenant + "' may not use agent '" + routed.agentName()
                            + "' (openrtc.tenants." + tenant + ".allowed-agents: " + settings.allowedAgents() + ")";
                    log.info("Declining job {}: {}", job.jobId(), detail);
                    yield new Admission.Declined(DeclineReason.TENANT_AGENT_NOT_ALLOWED, detail);
                }
                yield pool.tryClaim(job, routed.agentName(), tenant, participantFor(job, routed.agentName()));
            }
        };
    }

    /** The job's tenant, or the decline when it cannot be decided. */
    private record Tenant(String id, Admission.Declined declined) {
    }

    private Tenant resolveTenant(JobInfo job) {
        if (tenantResolver == TenantResolver.fromMetadata()) {
            try {
                return valid(job, tenantResolver.resolve(job));
            } catch (Exception e) { // never: it reads metadata and does not throw
                return new Tenant("", new Admission.Declined(DeclineReason.ERROR, "the tenant could not be read: " + e));
            }
        }
        CompletableFuture<String> verdict = new CompletableFuture<>();
        Thread thread = Thread.ofVirtual().name("openrtc-tenant-resolver-" + job.jobId()).start(() -> {
            try {
                verdict.complete(tenantResolver.resolve(job));
            } catch (Throwable t) {
                verdict.completeExceptionally(t);
            }
        });
        try {
            return valid(job, verdict.get(tenantResolverTimeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            thread.interrupt();
            log.warn("The tenant resolver took longer than {} (openrtc.routing.tenant-resolver-timeout) for job {}; "
                    + "interrupted it and declined the job", tenantResolverTimeout, job.jobId());
            return new Tenant("", new Admission.Declined(DeclineReason.ERROR, "the tenant resolver did not answer within "
                    + tenantResolverTimeout + " (openrtc.routing.tenant-resolver-timeout)"));
        } catch (ExecutionException e) {
            log.warn("The tenant resolver failed for job {}; declining it", job.jobId(), e.getCause());
            return new Tenant("", new Admission.Declined(DeclineReason.ERROR, "the tenant resolver failed: " + e.getCause()));
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
            return new Tenant("", new Admission.Declined(DeclineReason.ERROR, "interrupted while asking the tenant resolver"));
        }
    }

    private Tenant valid(JobInfo job, String tenant) {
        String id = Tenants.orDefault(tenant == null ? null : tenant.strip());
        java.util.Optional<String> problem = TenantOptions.problemWithId(id);
        if (problem.isPresent()) {
            log.warn("The tenant resolver answered a tenant id for job {} that is {}; declining the job", job.jobId(),
                    problem.get());
            return new Tenant("", new Admission.Declined(DeclineReason.ERROR, "the tenant resolver answered a tenant id that is "
                    + problem.get()));
        }
        return new Tenant(id, null);
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
