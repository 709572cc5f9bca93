package io.openrtc.spring.autoconfigure;

import io.openrtc.pool.SessionHost;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

/**
 * Matches in the worker JVM, the normal role ({@code openrtc.role} unset or {@code worker}), and
 * not in a session-host child JVM of process isolation: for what only the worker has (its
 * LiveKit connection, health, meters, the endpoint, the shutdown handling).
 *
 * @see ConditionalOnSessionHostRole
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Documented
@ConditionalOnProperty(name = SessionHost.ROLE_PROPERTY, havingValue = "worker", matchIfMissing = true)
public @interface ConditionalOnWorkerRole {
}
