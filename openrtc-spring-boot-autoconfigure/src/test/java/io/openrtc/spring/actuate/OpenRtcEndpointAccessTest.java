package io.openrtc.spring.actuate;

import static io.openrtc.spring.actuate.ActuatorHttp.base;
import static io.openrtc.spring.actuate.ActuatorHttp.get;
import static io.openrtc.spring.actuate.ActuatorHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.runtime.AgentPool;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * Defect 7 of issue 17: the {@code openrtc} endpoint is read-only by default, so
 * {@code management.endpoints.web.exposure.include=*} serves the snapshot but never an
 * unauthenticated drain; {@code management.endpoint.openrtc.access=unrestricted} opts in. Over
 * real HTTP (Tomcat), with a LiveKit URL nothing listens at: access is decided before the worker
 * matters.
 */
class OpenRtcEndpointAccessTest {


    @AgentConfig(name = "restaurant")
    static class RestaurantAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(RestaurantAgent.class)
    static class App {
    }

    @Test
    void withEveryEndpointExposedTheDrainIsRefusedByDefault() throws Exception {
        try (ConfigurableApplicationContext context = start()) {
            String base = base(context);
            assertThat(get(base + "/actuator/openrtc").statusCode()).isIn(200, 404); // 404 only before start()
            int drain = post(base + "/actuator/openrtc/drain").statusCode();
            assertThat(drain).as("POST /actuator/openrtc/drain without opting in").isIn(404, 405);
            assertThat(context.getBean(AgentPool.class).isDraining()).isFalse();
        }
    }

    @Test
    void theDrainIsServedOnceAccessIsUnrestricted() throws Exception {
        try (ConfigurableApplicationContext context = start("management.endpoint.openrtc.access=unrestricted")) {
            HttpResponse<String> drain = post(base(context) + "/actuator/openrtc/drain");
            assertThat(drain.statusCode()).as(drain.body()).isEqualTo(200);
            assertThat(drain.body()).contains("\"draining\":true");
            assertThat(context.getBean(AgentPool.class).isDraining()).isTrue();
        }
    }

    private static ConfigurableApplicationContext start(String... extra) {
        return new SpringApplicationBuilder(App.class)
                .properties("server.port=0", "spring.main.banner-mode=off",
                        "openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=key",
                        "openrtc.livekit.api-secret=secret-that-is-long-enough-for-livekit", "openrtc.drain-timeout=2s",
                        "management.endpoints.web.exposure.include=*")
                .properties(extra)
                .run();
    }



}
