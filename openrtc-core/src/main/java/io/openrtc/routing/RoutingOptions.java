package io.openrtc.routing;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the {@link AgentRouter} decides. Checked when built; a bad value is rejected with a message
 * naming its property.
 *
 * @param acceptOnlyRegisteredRooms {@code openrtc.routing.accept-only-registered-rooms}: a job
 *                                  that no explicit signal (a custom strategy, metadata, the room
 *                                  name) maps to a registered agent is declined instead of served
 *                                  by the default agent
 * @param defaultAgent              {@code openrtc.routing.default-agent}: the agent that serves
 *                                  jobs nothing else routes; empty for the first registered one
 * @param strategyTimeout           {@code openrtc.routing.strategy-timeout}: how long one custom
 *                                  {@link RoutingStrategy} may take for a job before the job is
 *                                  declined and the strategy's thread interrupted (LiveKit waits
 *                                  about 3 s for the worker's answer); 1 ms to 2 s
 */
public record RoutingOptions(boolean acceptOnlyRegisteredRooms, Optional<String> defaultAgent, Duration strategyTimeout) {

    /** The default {@code openrtc.routing.strategy-timeout}. */
    public static final Duration DEFAULT_STRATEGY_TIMEOUT = Duration.ofMillis(500);
    /** The longest {@code openrtc.routing.strategy-timeout}: LiveKit's answer budget is about 3 s. */
    public static final Duration MAX_STRATEGY_TIMEOUT = Duration.ofSeconds(2);

    public RoutingOptions {
        defaultAgent = Objects.requireNonNullElse(defaultAgent, Optional.<String>empty()).map(String::strip)
                .filter(name -> !name.isEmpty());
        if (strategyTimeout == null || !strategyTimeout.isPositive() || strategyTimeout.compareTo(MAX_STRATEGY_TIMEOUT) > 0) {
            throw new IllegalArgumentException("openrtc.routing.strategy-timeout must be between 1ms and 2s (LiveKit "
                    + "waits about 3 s for an answer), was " + strategyTimeout);
        }
        if (acceptOnlyRegisteredRooms && defaultAgent.isPresent()) {
            throw new IllegalArgumentException("openrtc.routing.default-agent (" + defaultAgent.get() + ") cannot be "
                    + "combined with openrtc.routing.accept-only-registered-rooms=true: the one names who serves jobs "
                    + "nothing routes, the other declines them");
        }
    }

    /** Everything by default: the first registered agent is the fallback, strategies get 500 ms. */
    public static RoutingOptions defaults() {
        return new RoutingOptions(false, Optional.empty(), DEFAULT_STRATEGY_TIMEOUT);
    }

    /** These options with {@code openrtc.routing.accept-only-registered-rooms} set to {@code value}. */
    public RoutingOptions withAcceptOnlyRegisteredRooms(boolean value) {
        return new RoutingOptions(value, defaultAgent, strategyTimeout);
    }

    /** These options with {@code openrtc.routing.default-agent}; null or blank for the first registered agent. */
    public RoutingOptions withDefaultAgent(String agent) {
        return new RoutingOptions(acceptOnlyRegisteredRooms, Optional.ofNullable(agent), strategyTimeout);
    }

    /** These options with {@code openrtc.routing.strategy-timeout}. */
    public RoutingOptions withStrategyTimeout(Duration timeout) {
        return new RoutingOptions(acceptOnlyRegisteredRooms, defaultAgent, timeout);
    }
}
