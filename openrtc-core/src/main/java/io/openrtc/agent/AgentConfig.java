package io.openrtc.agent;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.stereotype.Component;

/**
 * Marks a class implementing {@link Agent} as an OpenRTC agent.
 *
 * <p>In a Spring Boot application the class is picked up by component scanning (this
 * annotation is meta-annotated with {@code @Component}) and registered with the worker by the
 * OpenRTC auto-configuration. Scope annotations apply as usual: a singleton bean serves every
 * session, a {@code @Scope("prototype")} bean gets a fresh instance per session.
 *
 * <p>Outside Spring the annotation is read by {@code AgentPool.builder().add(agent)}; the
 * {@code @Component} meta-annotation is then simply absent from the classpath, which the JVM
 * ignores.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Component
public @interface AgentConfig {

    /**
     * The agent's name, used for routing ({@code {"agent":"restaurant"}} in job or room
     * metadata, room names such as {@code restaurant-123}). Empty derives it from the class
     * name: {@code RestaurantAgent} becomes {@code restaurant}.
     */
    String name() default "";

    /** A greeting the agent may say or send first; empty for none. */
    String greeting() default "";

    /** A human-readable description for operators (snapshots, logs). */
    String description() default "";

    /**
     * The display name of the agent's participant in the room; empty uses the agent's name.
     */
    String participantName() default "";
}
