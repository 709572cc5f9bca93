package io.openrtc.spring.autoconfigure;

import io.openrtc.pool.PoolOptions;

/**
 * Customizes the session pool's options after openrtc.* are applied (isolation, capacity, drain, child JVMs). Every bean of this type is called, in {@link org.springframework.core.annotation.Order}
 * order, on the builder the auto-configuration prepared, before the {@code AgentPool} is built; a
 * later customizer sees what the earlier ones set. Ignored when the application defines its own
 * {@code AgentPool}.
 */
@FunctionalInterface
public interface OpenRtcPoolOptionsCustomizer {

    /** Adjusts {@code builder}. */
    void customize(PoolOptions.Builder builder);
}
