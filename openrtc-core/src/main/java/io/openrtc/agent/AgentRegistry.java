package io.openrtc.agent;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The registered agents, in registration order. The first one is the routing fallback unless
 * {@code openrtc.routing.default-agent} names another (under Spring it is explicit whenever there
 * are several agents). Immutable.
 */
public final class AgentRegistry {

    private final Map<String, AgentRegistration> byName;

    private AgentRegistry(Map<String, AgentRegistration> byName) {
        this.byName = byName;
    }

    /**
     * A registry of {@code registrations}, in that order.
     *
     * @throws IllegalArgumentException when two registrations share a name, or there are none
     */
    public static AgentRegistry of(Collection<AgentRegistration> registrations) {
        Objects.requireNonNull(registrations, "registrations");
        if (registrations.isEmpty()) {
            throw new IllegalArgumentException("No agent is registered: register at least one "
                    + "(annotate a class implementing io.openrtc.agent.Agent with @AgentConfig)");
        }
        Map<String, AgentRegistration> byName = new LinkedHashMap<>();
        for (AgentRegistration registration : registrations) {
            if (byName.putIfAbsent(registration.name(), registration) != null) {
                throw new IllegalArgumentException("Two agents are registered under the name '" + registration.name()
                        + "': agent names must be unique");
            }
        }
        return new AgentRegistry(byName);
    }

    /** The registration named {@code name}, if any. */
    public Optional<AgentRegistration> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Whether an agent named {@code name} is registered. */
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The first registered agent. */
    public AgentRegistration first() {
        return byName.values().iterator().next();
    }

    /** Every registration, in registration order. */
    public List<AgentRegistration> all() {
        return List.copyOf(byName.values());
    }

    /** Every name, in registration order. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** How many agents are registered. */
    public int size() {
        return byName.size();
    }

    @Override
    public String toString() {
        return "AgentRegistry" + byName.keySet();
    }
}
