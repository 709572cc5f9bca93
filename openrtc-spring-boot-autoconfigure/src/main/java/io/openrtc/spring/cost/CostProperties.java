package io.openrtc.spring.cost;

import io.openrtc.cost.CostOptions;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The per-session cost monitor, bound from openrtc.cost.*.
 *
 * @param enabled                    Whether to measure each session's CPU and allocation with JFR
 *                                   streamed in this JVM (off by default: it adds a JFR recording to the
 *                                   application's process)
 * @param samplingPeriod             The period of JFR's execution sampler; shorter is finer and costs
 *                                   more (10ms to 1s)
 * @param allocationSamplesPerSecond How many allocation samples JFR takes per second for the whole JVM
 *                                   (1 to 10000)
 * @param window                     The span CPU cores and allocation rates are averaged over (2s to 5m)
 */
@ConfigurationProperties("openrtc.cost")
public record CostProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("20ms") Duration samplingPeriod,
        @DefaultValue("150") int allocationSamplesPerSecond,
        @DefaultValue("10s") Duration window) {

    public CostProperties {
        if (samplingPeriod.compareTo(Duration.ofMillis(10)) < 0 || samplingPeriod.compareTo(Duration.ofSeconds(1)) > 0) {
            // Not toMillis(): a huge value would overflow it and hide the property's name.
            throw new IllegalArgumentException("openrtc.cost.sampling-period must be 10ms to 1s, was " + describe(samplingPeriod));
        }
        if (allocationSamplesPerSecond < 1 || allocationSamplesPerSecond > 10_000) {
            throw new IllegalArgumentException("openrtc.cost.allocation-samples-per-second must be 1 to 10000, was "
                    + allocationSamplesPerSecond);
        }
        if (window.compareTo(Duration.ofSeconds(2)) < 0 || window.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("openrtc.cost.window must be 2s to 5m, was " + describe(window));
        }
    }

    /** {@code 1ms}, {@code 20ms} for short values, the ISO form otherwise (never overflows). */
    private static String describe(Duration value) {
        return value.compareTo(Duration.ofSeconds(1000)) < 0 && !value.isNegative() ? value.toMillis() + "ms" : value.toString();
    }

    /** The monitor's options. */
    public CostOptions toOptions() {
        return new CostOptions(samplingPeriod, allocationSamplesPerSecond, window);
    }
}
