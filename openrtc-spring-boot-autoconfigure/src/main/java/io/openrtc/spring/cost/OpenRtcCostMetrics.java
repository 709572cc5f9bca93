package io.openrtc.spring.cost;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.openrtc.cost.CostMonitor;
import io.openrtc.runtime.AgentPool;
import java.util.Objects;

/**
 * The cost meters: CPU seconds and allocated bytes of each agent's sessions per tenant (folded as
 * the other tenant tags are: tenants not listed go by {@code other}), counters from startup, so
 * {@code rate()} gives cores and bytes per second; and the monitor's own CPU.
 */
public class OpenRtcCostMetrics implements MeterBinder {

    private final AgentPool agentPool;
    private final CostMonitor monitor;

    public OpenRtcCostMetrics(AgentPool agentPool, CostMonitor monitor) {
        this.agentPool = Objects.requireNonNull(agentPool, "agentPool");
        this.monitor = Objects.requireNonNull(monitor, "monitor");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String agent : agentPool.agents().names()) {
            for (String tenant : agentPool.tenants().meterTags()) {
                FunctionCounter.builder("openrtc.cost.cpu", monitor, m -> m.cpuSeconds(agent, tenant))
                        .baseUnit("seconds")
                        .description("CPU time of the agent's sessions of the tenant, measured with JFR (rate() is cores)")
                        .tags("agent", agent, "tenant", tenant).register(registry);
                FunctionCounter.builder("openrtc.cost.allocated", monitor, m -> m.allocatedBytes(agent, tenant))
                        .baseUnit("bytes")
                        .description("Bytes allocated by the agent's sessions of the tenant (this JVM's threads), measured with JFR")
                        .tags("agent", agent, "tenant", tenant).register(registry);
            }
        }
        FunctionCounter.builder("openrtc.cost.monitor.cpu", monitor, m -> m.monitorCpu().toNanos() / 1e9)
                .baseUnit("seconds").description("CPU time of the cost monitor's own JFR consumer thread")
                .register(registry);
    }
}
