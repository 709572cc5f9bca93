package io.openrtc.spring.actuate;

import io.openrtc.cost.CostMonitor;
import io.openrtc.runtime.AgentPool;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code openrtc} Actuator endpoint.
 * <ul>
 *   <li>{@code GET /actuator/openrtc}: the worker now ({@link OpenRtcStatus}).</li>
 *   <li>{@code POST /actuator/openrtc/drain}: starts a drain and answers at once; the worker
 *       stops taking jobs, lets running sessions finish (up to {@code openrtc.drain-timeout}),
 *       then disconnects from LiveKit and stays idle until the application restarts. A second
 *       call changes nothing.</li>
 * </ul>
 * Like every endpoint but {@code health}, it is reachable over HTTP only when
 * {@code management.endpoints.web.exposure.include} names it. Its default access is
 * {@link Access#READ_ONLY}: exposing it (even with {@code include=*}) serves the snapshot, while the
 * drain, a lever that takes the worker out of service, is mapped only once the application opts in
 * with {@code management.endpoint.openrtc.access=unrestricted} (as Boot's own {@code shutdown}
 * endpoint needs an explicit opt-in).
 */
@Endpoint(id = OpenRtcEndpoint.ID, defaultAccess = Access.READ_ONLY)
public class OpenRtcEndpoint {

    /** The endpoint id. */
    public static final String ID = "openrtc";

    /** The one action {@code POST /actuator/openrtc/{action}} knows. */
    public static final String DRAIN = "drain";

    private static final Logger log = LoggerFactory.getLogger(OpenRtcEndpoint.class);

    private final AgentPool agentPool;
    private final Duration drainTimeout;
    private final String deploymentVersion;
    private final @Nullable CostMonitor costMonitor;

    /**
     * @param agentPool    the runtime to report on and drain
     * @param drainTimeout {@code openrtc.drain-timeout}, for the drain operation
     */
    public OpenRtcEndpoint(AgentPool agentPool, Duration drainTimeout) {
        this(agentPool, drainTimeout, "");
    }

    /**
     * @param agentPool         the runtime to report on and drain
     * @param drainTimeout      {@code openrtc.drain-timeout}, for the drain operation
     * @param deploymentVersion {@code openrtc.deployment.version}, empty when not set
     */
    public OpenRtcEndpoint(AgentPool agentPool, Duration drainTimeout, String deploymentVersion) {
        this(agentPool, drainTimeout, deploymentVersion, null);
    }

    /**
     * @param agentPool         the runtime to report on and drain
     * @param drainTimeout      {@code openrtc.drain-timeout}, for the drain operation
     * @param deploymentVersion {@code openrtc.deployment.version}, empty when not set
     * @param costMonitor       the cost monitor whose figures the snapshot shows, or null
     */
    public OpenRtcEndpoint(AgentPool agentPool, Duration drainTimeout, String deploymentVersion,
                           @Nullable CostMonitor costMonitor) {
        this.costMonitor = costMonitor;
        this.agentPool = Objects.requireNonNull(agentPool, "agentPool");
        this.drainTimeout = Objects.requireNonNull(drainTimeout, "drainTimeout");
        this.deploymentVersion = Objects.requireNonNull(deploymentVersion, "deploymentVersion");
    }

    /** The worker now; {@code null} (HTTP 404) before it started. */
    @ReadOperation
    public @Nullable OpenRtcStatus status() {
        return agentPool.isStarted() ? OpenRtcStatus.of(agentPool.snapshot(), deploymentVersion,
                costMonitor == null ? null : CostStatus.of(costMonitor.snapshot())) : null;
    }

    /**
     * Starts a drain when {@code action} is {@code drain}; returns at once.
     *
     * @return what happened
     * @throws InvalidEndpointRequestException (HTTP 400) for another action
     */
    @WriteOperation
    public DrainResponse act(@Selector String action) {
        if (!DRAIN.equals(action)) {
            throw new InvalidEndpointRequestException("Unknown action '" + action + "': the " + ID + " endpoint knows '"
                    + DRAIN + "'", "Unknown action");
        }
        boolean already = agentPool.isDraining();
        if (!already) {
            log.info("Drain requested through the {} endpoint", ID);
        }
        agentPool.drain("requested through the " + ID + " endpoint", drainTimeout);
        int active = agentPool.isStarted() ? agentPool.snapshot().pool().active() : 0;
        return new DrainResponse(true, already, drainTimeout.toSeconds(), active);
    }

    /**
     * The answer to a drain request.
     *
     * @param draining            always true: the worker drains now
     * @param alreadyDraining     whether it was draining before this request
     * @param drainTimeoutSeconds how long running sessions get before they are cancelled
     * @param activeSessions      sessions still running
     */
    public record DrainResponse(boolean draining, boolean alreadyDraining, long drainTimeoutSeconds, int activeSessions) {
    }
}
