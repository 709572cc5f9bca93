package io.openrtc.cost;

import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link CostMonitor} samples.
 *
 * @param samplingPeriod             the period of JFR's execution sampler ({@code jdk.ExecutionSample}):
 *                                   shorter is finer and costs more; 10 ms to 1 s
 * @param allocationSamplesPerSecond the throttle of JFR's allocation sampler
 *                                   ({@code jdk.ObjectAllocationSample}), samples per second for the
 *                                   whole JVM (each weighs the bytes allocated since the last); 1 to 10,000
 * @param window                     the span the rates ({@code cpuCores}, bytes per second) are
 *                                   averaged over; 2 s to 5 min
 */
public record CostOptions(Duration samplingPeriod, int allocationSamplesPerSecond, Duration window) {

    /** 20 ms, 150 allocation samples per second (JFR's own default profile), a 10 s window. */
    public static final CostOptions DEFAULTS = new CostOptions(Duration.ofMillis(20), 150, Duration.ofSeconds(10));

    public CostOptions {
        Objects.requireNonNull(samplingPeriod, "samplingPeriod");
        Objects.requireNonNull(window, "window");
        if (samplingPeriod.compareTo(Duration.ofMillis(10)) < 0 || samplingPeriod.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new IllegalArgumentException("samplingPeriod must be 10 ms to 1 s, was " + samplingPeriod);
        }
        if (allocationSamplesPerSecond < 1 || allocationSamplesPerSecond > 10_000) {
            throw new IllegalArgumentException("allocationSamplesPerSecond must be 1 to 10000, was " + allocationSamplesPerSecond);
        }
        if (window.compareTo(Duration.ofSeconds(2)) < 0 || window.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("window must be 2 s to 5 min, was " + window);
        }
    }
}
