package io.openrtc.spring.devservices;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Under DevTools, a restart must not wait out the production drain (30 s for running sessions,
 * then 5 s for cancelled ones): with DevTools on the classpath, and not in a test,
 * {@code openrtc.drain-timeout} defaults to {@value #DRAIN_TIMEOUT} and
 * {@code openrtc.cancel-grace} to {@value #CANCEL_GRACE}. Sessions still running are cancelled
 * (they leave their rooms, so callers see the agent go). Values the application sets win.
 */
public class DevToolsDrainDefaults implements EnvironmentPostProcessor {

    static final String DRAIN_TIMEOUT = "2s";
    static final String CANCEL_GRACE = "1s";
    static final String SOURCE_NAME = "openrtcDevToolsDrainDefaults";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        apply(environment, DevServices.devToolsPresent(), DevServices.inTest());
    }

    static void apply(ConfigurableEnvironment environment, boolean devTools, boolean inTest) {
        if (!devTools || inTest || "false".equalsIgnoreCase(environment.getProperty("spring.devtools.restart.enabled"))) {
            return;
        }
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME,
                Map.of("openrtc.drain-timeout", DRAIN_TIMEOUT, "openrtc.cancel-grace", CANCEL_GRACE)));
    }
}
