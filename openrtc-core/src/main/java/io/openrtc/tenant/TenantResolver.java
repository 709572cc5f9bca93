package io.openrtc.tenant;

import io.openrtc.agent.JobInfo;

/**
 * Decides which tenant (customer) a job belongs to, when LiveKit offers it: before routing, so that
 * the tenant's caps, allowed agents, circuit breaker and voice providers apply to it, and
 * {@code session.tenant()}, the log MDC, the events and the meters carry it.
 *
 * <p>The default ({@link #fromMetadata()}) reads {@code tenant} from the job's metadata, then the
 * room's, else answers {@link Tenants#DEFAULT}. An application replaces it with its own (under
 * Spring Boot a {@code TenantResolver} bean; without Spring
 * {@code AgentPool.builder().tenantResolver(...)}), for example to look the tenant up by the room
 * name or a participant attribute.
 *
 * <p>Offers are decided side by side, so implementations must be thread-safe. Each call runs on a
 * virtual thread of its own and gets at most {@code openrtc.routing.tenant-resolver-timeout}
 * (500 ms) before the job is declined and the thread interrupted. A resolver that throws declines
 * the job too: a job is never served as another tenant's (with its keys, its caps) by mistake.
 */
@FunctionalInterface
public interface TenantResolver {

    /**
     * The tenant of {@code job}: an id of at most {@value TenantOptions#MAX_ID_LENGTH} characters
     * without control characters; null or blank for {@link Tenants#DEFAULT}.
     *
     * @throws Exception when it cannot decide: the job is declined
     */
    String resolve(JobInfo job) throws Exception;

    /** {@code tenant} in the job's metadata, then in the room's, else {@link Tenants#DEFAULT}. */
    static TenantResolver fromMetadata() {
        return MetadataTenantResolver.INSTANCE;
    }
}
