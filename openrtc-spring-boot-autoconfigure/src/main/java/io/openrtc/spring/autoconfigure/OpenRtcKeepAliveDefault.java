package io.openrtc.spring.autoconfigure;

import io.openrtc.pool.SessionHost;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Makes {@code spring.main.keep-alive} default to {@code true} in a worker. The worker's own
 * threads are daemons, so an application without a web server would exit right after startup
 * instead of serving jobs; Spring Boot's keep-alive thread holds the JVM while the context is
 * active and lets it go when the context closes (a drain, a broken worker). A value the
 * application sets wins; {@code openrtc.enabled=false} and a session-host child (which exits when
 * its session ends) get no default.
 */
public class OpenRtcKeepAliveDefault implements EnvironmentPostProcessor, Ordered {

    static final String SOURCE_NAME = "openrtcKeepAliveDefault";
    static final String KEEP_ALIVE = "spring.main.keep-alive";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if ("false".equalsIgnoreCase(environment.getProperty("openrtc.enabled"))
                || SessionHost.ROLE.equals(environment.getProperty(SessionHost.ROLE_PROPERTY))
                || environment.containsProperty(KEEP_ALIVE)) {
            return;
        }
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME, Map.of(KEEP_ALIVE, "true")));
    }

    /** After the config data (application.yaml), so that its openrtc.enabled counts. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
