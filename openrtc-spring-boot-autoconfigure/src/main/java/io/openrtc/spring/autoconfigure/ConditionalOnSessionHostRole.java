package io.openrtc.spring.autoconfigure;

import io.openrtc.pool.SessionHost;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

/**
 * Matches in a session-host child JVM of process isolation ({@code openrtc.role=session-host},
 * set by the pool that starts it), which serves one session and exits.
 *
 * @see ConditionalOnWorkerRole
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Documented
@ConditionalOnProperty(name = SessionHost.ROLE_PROPERTY, havingValue = SessionHost.ROLE)
public @interface ConditionalOnSessionHostRole {
}
