package io.openrtc.spring.autoconfigure;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentNames;
import io.openrtc.agent.AgentProvider;
import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.AgentSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.annotation.OrderUtils;
import org.springframework.util.ClassUtils;

/**
 * Finds the agents of an application context: every bean annotated {@link AgentConfig}, plus
 * every {@link AgentRegistration} bean (for agents registered programmatically). A singleton
 * bean serves all sessions; a prototype bean is asked for a fresh instance per session.
 *
 * <p>They are registered in {@link Order @Order} (on the class, or on the {@code @Bean} method),
 * lowest first; beans without one keep the order the context lists them in, after those with
 * one. That listing follows component scanning, so it changes when a class is renamed or moved:
 * nothing that decides where calls go may depend on it (see {@link #defaultAgent}).
 */
final class AgentDiscovery {

    private final ConfigurableListableBeanFactory beanFactory;

    AgentDiscovery(ConfigurableListableBeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    /**
     * The registry of the context's agents.
     *
     * @throws IllegalStateException when there is no agent, when two beans claim one name (the
     *                               message names both), or when an annotated bean is no
     *                               {@link Agent}
     */
    AgentRegistry discover(AgentSettings defaults) {
        Map<String, String> beanByAgentName = new LinkedHashMap<>();
        List<AgentRegistration> registrations = new ArrayList<>();
        Map<String, Integer> orders = explicitOrders();

        for (String beanName : beanFactory.getBeanNamesForAnnotation(AgentConfig.class)) {
            Class<?> type = ClassUtils.getUserClass(beanFactory.getType(beanName));
            if (!Agent.class.isAssignableFrom(type)) {
                throw new IllegalStateException("Bean '" + beanName + "' (" + type.getName() + ") is annotated @AgentConfig "
                        + "but does not implement io.openrtc.agent.Agent");
            }
            AgentConfig config = beanFactory.findAnnotationOnBean(beanName, AgentConfig.class);
            String agentName = config == null || config.name().isEmpty() ? AgentNames.derive(type) : config.name();
            try {
                AgentNames.requireValid(agentName);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("Bean '" + beanName + "': " + e.getMessage(), e);
            }
            claim(beanByAgentName, agentName, "bean '" + beanName + "' (" + type.getName() + ")");
            registrations.add(new AgentRegistration(agentName, provider(beanFactory, beanName),
                    AgentSettings.from(config).orElse(defaults)));
        }

        for (Map.Entry<String, AgentRegistration> entry : beanFactory.getBeansOfType(AgentRegistration.class).entrySet()) {
            AgentRegistration registration = entry.getValue();
            claim(beanByAgentName, registration.name(), "AgentRegistration bean '" + entry.getKey() + "'");
            registrations.add(new AgentRegistration(registration.name(), registration.provider(),
                    registration.settings().orElse(defaults)));
        }

        // Stable: agents without @Order keep their listing order, after the ordered ones.
        registrations.sort(Comparator.comparingInt(r -> orders.getOrDefault(r.name(), Ordered.LOWEST_PRECEDENCE)));
        if (registrations.isEmpty()) {
            throw new IllegalStateException("OpenRTC found no agent. Annotate a class implementing io.openrtc.agent.Agent "
                    + "with @AgentConfig in a package your application scans (or declare an AgentRegistration bean), "
                    + "or set openrtc.enabled=false to run without OpenRTC.");
        }
        return AgentRegistry.of(registrations);
    }

    /**
     * The agent that serves jobs nothing else routes, when the context says so without
     * {@code openrtc.routing.default-agent}: the only agent, or the one whose {@link Order @Order}
     * is lower than every other agent's.
     *
     * @throws IllegalStateException when there are several agents and no such one: the fallback
     *                               would otherwise be whichever class component scanning found
     *                               first, and renaming a class would send calls elsewhere
     */
    String defaultAgent(AgentRegistry agents) {
        if (agents.size() == 1) {
            return agents.first().name();
        }
        Map<String, Integer> orders = explicitOrders();
        List<String> ordered = agents.names().stream().filter(orders::containsKey)
                .sorted(Comparator.comparingInt(orders::get)).toList();
        if (!ordered.isEmpty() && (ordered.size() == 1 || orders.get(ordered.get(0)) < orders.get(ordered.get(1)))) {
            return ordered.getFirst();
        }
        throw new IllegalStateException("OpenRTC has " + agents.size() + " agents " + agents.names()
                + " and no default for the jobs that no metadata, room name or RoutingStrategy routes. Set "
                + "openrtc.routing.default-agent to one of them, put @Order on the agent that should take them (the "
                + "lowest wins), or set openrtc.routing.accept-only-registered-rooms=true to decline such jobs.");
    }

    /** The agents whose bean carries {@link Order @Order} (or {@code @Priority}), by agent name. */
    private Map<String, Integer> explicitOrders() {
        Map<String, Integer> orders = new LinkedHashMap<>();
        for (String beanName : beanFactory.getBeanNamesForAnnotation(AgentConfig.class)) {
            Class<?> type = ClassUtils.getUserClass(beanFactory.getType(beanName));
            AgentConfig config = beanFactory.findAnnotationOnBean(beanName, AgentConfig.class);
            String agentName = config == null || config.name().isEmpty() ? AgentNames.derive(type) : config.name();
            Integer order = orderOf(beanName, type);
            if (order != null) {
                orders.putIfAbsent(agentName, order);
            }
        }
        for (String beanName : beanFactory.getBeanNamesForType(AgentRegistration.class)) {
            Integer order = orderOf(beanName, null);
            if (order != null) {
                orders.putIfAbsent(beanFactory.getBean(beanName, AgentRegistration.class).name(), order);
            }
        }
        return orders;
    }

    private Integer orderOf(String beanName, Class<?> type) {
        Order onBean = beanFactory.findAnnotationOnBean(beanName, Order.class); // the class or the @Bean method
        if (onBean != null) {
            return onBean.value();
        }
        return type == null ? null : OrderUtils.getOrder(type);
    }

    private static void claim(Map<String, String> beanByAgentName, String agentName, String owner) {
        String previous = beanByAgentName.putIfAbsent(agentName, owner);
        if (previous != null) {
            throw new IllegalStateException("Two agents are named '" + agentName + "': " + previous + " and " + owner
                    + ". Give one of them another name with @AgentConfig(name = \"...\").");
        }
    }

    private static AgentProvider provider(ListableBeanFactory beanFactory, String beanName) {
        if (beanFactory.isPrototype(beanName)) {
            return AgentProvider.perSession(() -> beanFactory.getBean(beanName, Agent.class));
        }
        // Resolved on first use rather than now, so a lazy or scoped singleton keeps its semantics.
        return job -> beanFactory.getBean(beanName, Agent.class);
    }
}
