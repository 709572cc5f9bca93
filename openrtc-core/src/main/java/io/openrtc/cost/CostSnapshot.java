package io.openrtc.cost;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What sessions cost, now. CPU figures are in seconds of CPU time (cumulative) and in cores (the
 * average over the window: 0.5 is half of one core); allocation in bytes (cumulative) and bytes per
 * second (over the window).
 *
 * @param at               when it was taken
 * @param samplingPeriod   the execution sampler's period
 * @param window           the span rates are averaged over
 * @param processCpuCores  the whole JVM's CPU over the window (sessions, the worker, GC, JIT)
 * @param sessions         the sessions running now (and those that ended within the window), most
 *                         CPU first
 * @param agents           every agent that ran a session since the monitor started, by name;
 *                         cumulative figures include ended sessions
 * @param tenants          the same by tenant, folded as meter tags are (tenants not listed go by
 *                         {@code other})
 * @param unattributed     the JVM's CPU and allocation that is no session's (the worker's own
 *                         threads, the web server, the application's)
 * @param monitorCpu       the CPU time the monitor's own JFR consumer thread used since it started
 */
public record CostSnapshot(Instant at, Duration samplingPeriod, Duration window, double processCpuCores,
                           List<Cost> sessions, List<Cost> agents, List<Cost> tenants, Cost unattributed,
                           Duration monitorCpu) {

    /**
     * One session's, agent's or tenant's cost.
     *
     * @param name                     the job id, agent name or tenant tag
     * @param agent                    the agent (of a session; for an agent its name; empty for a tenant)
     * @param tenant                   the tenant (of a session, its id; for a tenant its tag; empty for an agent)
     * @param cpuSeconds               CPU time so far
     * @param cpuCores                 CPU over the window, in cores
     * @param allocatedBytes           bytes allocated so far (this JVM's threads; not a child JVM's)
     * @param allocationBytesPerSecond allocation rate over the window
     * @param cpuSamples               the execution samples that landed on it (their share of the JVM's
     *                                 samples is its share of the JVM's CPU)
     */
    public record Cost(String name, String agent, String tenant, double cpuSeconds, double cpuCores,
                       long allocatedBytes, double allocationBytesPerSecond, long cpuSamples) {
    }
}
