package io.openrtc.spring.deploy;

/** What an {@link AuditEvent} tells; {@link #id()} is its name in the audit log. */
public enum AuditType {
    /** The worker registered with LiveKit for the first time: this version takes jobs. */
    DEPLOYMENT_STARTED("deployment.started"),
    /**
     * A drain began (SIGTERM or the application's shutdown, {@code POST /actuator/openrtc/drain},
     * a broken worker, the memory limit): no new jobs, running sessions may finish.
     */
    DRAIN_STARTED("deployment.drain_started"),
    /** The drain finished with every running session ended on its own: no call was cut. */
    COMPLETED("deployment.completed"),
    /**
     * The drain reached {@code openrtc.drain-timeout} and cancelled the sessions still running:
     * calls were cut. Nothing is reverted by OpenRTC; the name says what a rollout controller
     * should make of it (this retirement failed; hold or roll the rollout back).
     */
    ROLLED_BACK("deployment.rolled_back"),
    /** LiveKit refused the worker's connection (HTTP 401/403: the key pair). */
    WORKER_REJECTED("worker.rejected");

    private final String id;

    AuditType(String id) {
        this.id = id;
    }

    /** The event's name in the audit log, {@code deployment.started} and so on. */
    public String id() {
        return id;
    }
}
