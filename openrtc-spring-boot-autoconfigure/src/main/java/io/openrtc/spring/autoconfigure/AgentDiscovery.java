package io.openrtc.spring.autoconfigure;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentNames;
import io.openrtc.agent.AgentProvider;
import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.AgentSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * Finds the agents of an application context: every bean annotated {@link AgentConfig}, plus
 * every {@link AgentRegistration} bean (for agents registered programmatically). A singleton
 * bean serves all sessions; a prototype bean is asked for a fresh instance per session.
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

        if (registrations.isEmpty()) {
            throw new IllegalStateException("OpenRTC found no agent. Annotate a class implementing io.openrtc.agent.Agent "
                    + "with @AgentConfig in a package your application scans (or declare an AgentRegistration bean), "
                    + "or set openrtc.enabled=false to run without OpenRTC.");
        }
        return AgentRegistry.of(registrations);
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
