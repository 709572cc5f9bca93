package io.openrtc.tenant;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What one tenant may do ({@code openrtc.tenants.<id>.*}). Checked, with the tenant's id in the
 * message, when added to {@link TenantOptions}.
 *
 * @param maxConcurrentSessions {@code max-concurrent-sessions}: the most sessions of this tenant
 *                              that run (or are reserved) at once in this worker, a hard cap like
 *                              {@code openrtc.max-concurrent-sessions}; empty for none of its own
 * @param allowedAgents         {@code allowed-agents}: the agents this tenant's jobs may be served
 *                              by; empty for every agent
 */
public record TenantSettings(OptionalInt maxConcurrentSessions, Set<String> allowedAgents) {

    /** No cap of its own, every agent. */
    public static final TenantSettings UNRESTRICTED = new TenantSettings(OptionalInt.empty(), Set.of());

    public TenantSettings {
        maxConcurrentSessions = Objects.requireNonNullElse(maxConcurrentSessions, OptionalInt.empty());
        allowedAgents = allowedAgents == null ? Set.of()
                : java.util.Collections.unmodifiableSet(new LinkedHashSet<>(allowedAgents));
    }

    /** These settings with a cap of {@code max} sessions at once. */
    public TenantSettings withMaxConcurrentSessions(int max) {
        return new TenantSettings(OptionalInt.of(max), allowedAgents);
    }

    /** These settings with only {@code agents} allowed (none named: every agent). */
    public TenantSettings withAllowedAgents(String... agents) {
        return new TenantSettings(maxConcurrentSessions, new LinkedHashSet<>(Arrays.asList(agents)));
    }

    /** These settings with only {@code agents} allowed (empty: every agent). */
    public TenantSettings withAllowedAgents(Set<String> agents) {
        return new TenantSettings(maxConcurrentSessions, agents);
    }

    /** Whether {@code agent} may serve this tenant's jobs. */
    public boolean allows(String agent) {
        return allowedAgents.isEmpty() || allowedAgents.contains(agent);
    }
}
