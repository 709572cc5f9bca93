package io.openrtc.spring.autoconfigure;

import io.openrtc.worker.WorkerOptions;

/**
 * Customizes the worker's LiveKit protocol settings the properties do not cover: ping interval and timeout, reconnect backoff, the agent participant's permissions, status interval, timeouts. Every bean of this type is called, in {@link org.springframework.core.annotation.Order}
 * order, on the builder the auto-configuration prepared, before the {@code AgentPool} is built; a
 * later customizer sees what the earlier ones set. Ignored when the application defines its own
 * {@code AgentPool}.
 */
@FunctionalInterface
public interface OpenRtcWorkerOptionsCustomizer {

    /** Adjusts {@code builder}. */
    void customize(WorkerOptions.Builder builder);
}
