package io.openrtc.spring.actuate;

import io.openrtc.cost.CostSnapshot;
import java.util.List;

/**
 * The {@code cost} part of {@code GET /actuator/openrtc} ({@code openrtc.cost.enabled=true}): what
 * sessions, agents and tenants cost, in plain JSON values. CPU in seconds (so far) and cores (over
 * the window); allocation in bytes (so far) and bytes per second (over the window).
 *
 * @param samplingPeriodMillis the execution sampler's period
 * @param windowSeconds        the span rates are averaged over
 * @param processCpuCores      the whole JVM's CPU over the window
 * @param monitorCpuSeconds    the CPU time of the monitor's own JFR consumer thread
 * @param sessions             running sessions (and those ended within the window), most CPU first
 * @param agents               by agent, ended sessions included
 * @param tenants              by tenant tag (tenants not listed go by {@code other})
 * @param unattributed         the JVM's CPU and allocation that is no session's
 */
public record CostStatus(long samplingPeriodMillis, long windowSeconds, double processCpuCores, double monitorCpuSeconds,
                         List<Entry> sessions, List<Entry> agents, List<Entry> tenants, Entry unattributed) {

    /**
     * One session (by job id), agent or tenant.
     *
     * @param name                     the job id, agent name or tenant tag
     * @param agent                    the agent (empty for a tenant)
     * @param tenant                   the tenant (empty for an agent)
     * @param cpuSeconds               CPU time so far
     * @param cpuCores                 CPU over the window, in cores
     * @param allocatedBytes           bytes allocated so far
     * @param allocationBytesPerSecond allocation rate over the window
     */
    public record Entry(String name, String agent, String tenant, double cpuSeconds, double cpuCores,
                        long allocatedBytes, double allocationBytesPerSecond) {

        static Entry of(CostSnapshot.Cost cost) {
            return new Entry(cost.name(), cost.agent(), cost.tenant(), cost.cpuSeconds(), cost.cpuCores(),
                    cost.allocatedBytes(), cost.allocationBytesPerSecond());
        }
    }

    /** The status of {@code snapshot}. */
    public static CostStatus of(CostSnapshot snapshot) {
        return new CostStatus(snapshot.samplingPeriod().toMillis(), snapshot.window().toSeconds(), snapshot.processCpuCores(),
                snapshot.monitorCpu().toNanos() / 1e9, entries(snapshot.sessions()), entries(snapshot.agents()),
                entries(snapshot.tenants()), Entry.of(snapshot.unattributed()));
    }

    private static List<Entry> entries(List<CostSnapshot.Cost> costs) {
        return costs.stream().map(Entry::of).toList();
    }
}
