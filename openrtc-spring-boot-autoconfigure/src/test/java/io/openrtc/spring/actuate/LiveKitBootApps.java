package io.openrtc.spring.actuate;

import io.openrtc.test.LiveKitServer;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Boot applications with a web server whose worker registers with a test livekit-server, as the
 * Actuator and deployment tests start them; {@link #close()} closes every one started.
 */
public final class LiveKitBootApps implements AutoCloseable {

    private final List<ConfigurableApplicationContext> apps = new ArrayList<>();

    /**
     * Starts {@code app} on a free port as agent {@code agentName} of {@code server}, with at most
     * four sessions; {@code extra} properties come last, so they override these.
     *
     * @return the application's {@link ActuatorHttp#base base URL}
     */
    @SafeVarargs
    public final String start(Class<?> app, LiveKitServer server, String agentName, List<String> extra,
                              ApplicationContextInitializer<ConfigurableApplicationContext>... initializers) {
        List<String> properties = new ArrayList<>(List.of(
                "server.port=0",
                "spring.main.banner-mode=off",
                "openrtc.livekit.url=" + server.url(),
                "openrtc.livekit.api-key=" + server.apiKey(),
                "openrtc.livekit.api-secret=" + server.apiSecret(),
                "openrtc.agent-name=" + agentName,
                "openrtc.max-concurrent-sessions=4"));
        properties.addAll(extra);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(app)
                .initializers(initializers)
                .properties(properties.toArray(String[]::new))
                .run();
        apps.add(context);
        return ActuatorHttp.base(context);
    }

    /** The application started first. */
    public ConfigurableApplicationContext first() {
        return apps.getFirst();
    }

    /** The application started last. */
    public ConfigurableApplicationContext last() {
        return apps.getLast();
    }

    @Override
    public void close() {
        apps.forEach(ConfigurableApplicationContext::close);
        apps.clear();
    }
}
