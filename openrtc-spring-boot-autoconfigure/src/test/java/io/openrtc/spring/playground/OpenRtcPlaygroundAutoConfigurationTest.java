package io.openrtc.spring.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.spring.autoconfigure.DevelopmentLiveKitServer;
import io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.servlet.handler.SimpleUrlHandlerMapping;

/**
 * The playground, its token endpoint and the session panel's WebSocket exist only when enabled
 * ({@code openrtc.playground.enabled=true}, or the development LiveKit server); the token
 * endpoint refuses agents that do not exist and rate-limits.
 */
class OpenRtcPlaygroundAutoConfigurationTest {

    static final String SECRET = "playground-test-secret-that-is-long-enough";

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(OpenRtcAutoConfiguration.class, OpenRtcPlaygroundAutoConfiguration.class))
            .withUserConfiguration(Agents.class)
            .withPropertyValues("openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=key",
                    "openrtc.livekit.api-secret=" + SECRET);

    @AgentConfig(name = "echo", description = "Repeats what it hears")
    static class EchoAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import(EchoAgent.class)
    static class Agents {
    }

    record DevServer(String getUrl, String getApiKey, String getApiSecret) implements DevelopmentLiveKitServer {
    }

    @Configuration(proxyBeanMethods = false)
    static class WithDevServer {
        @Bean
        DevelopmentLiveKitServer devServer() {
            return new DevServer("ws://127.0.0.1:1", "dev-key", SECRET);
        }
    }

    @Test
    void offByDefault() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(PlaygroundController.class)
                .doesNotHaveBean(PlaygroundSessions.class).doesNotHaveBean(SessionEventStream.class)
                .doesNotHaveBean(SimpleUrlHandlerMapping.class));
    }

    @Test
    void onWhenEnabled() {
        runner.withPropertyValues("openrtc.playground.enabled=true").run(context -> assertThat(context).hasNotFailed()
                .hasSingleBean(PlaygroundController.class).hasSingleBean(PlaygroundSessions.class)
                .hasSingleBean(SessionEventStream.class).hasBean("openRtcSessionEventsMapping"));
    }

    @Test
    void onWithTheDevelopmentServer() {
        runner.withUserConfiguration(WithDevServer.class).run(context -> assertThat(context).hasNotFailed()
                .hasSingleBean(PlaygroundController.class).hasSingleBean(SessionEventStream.class));
    }

    @Test
    void offWithTheDevelopmentServerWhenDisabled() {
        runner.withUserConfiguration(WithDevServer.class).withPropertyValues("openrtc.playground.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(PlaygroundController.class)
                        .doesNotHaveBean(SessionEventStream.class));
    }

    @Test
    void offWithoutAServletWebApplication() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(OpenRtcAutoConfiguration.class, OpenRtcPlaygroundAutoConfiguration.class))
                .withUserConfiguration(Agents.class)
                .withPropertyValues("openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=key",
                        "openrtc.livekit.api-secret=" + SECRET, "openrtc.playground.enabled=true")
                .run(context -> assertThat(context).doesNotHaveBean(PlaygroundController.class));
    }

    @Test
    void offWhenOpenRtcIsOff() {
        runner.withPropertyValues("openrtc.enabled=false", "openrtc.playground.enabled=true")
                .run(context -> assertThat(context).doesNotHaveBean(PlaygroundController.class));
    }

    @Test
    void theTokenEndpointRefusesUnknownAgentsAndRateLimits() {
        runner.withPropertyValues("openrtc.playground.enabled=true", "openrtc.playground.connects-per-minute=2").run(context -> {
            MockMvc mvc = MockMvcBuilders.standaloneSetup(context.getBean(PlaygroundController.class)).build();
            mvc.perform(get("/openrtc/playground/agents")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.agents[0].name").value("echo"))
                    .andExpect(jsonPath("$.agents[0].description").value("Repeats what it hears"));
            // An unknown agent: refused before anything is dispatched or counted.
            for (int i = 0; i < 5; i++) {
                mvc.perform(post("/openrtc/playground/connect").contentType(MediaType.APPLICATION_JSON).content("{\"agent\":\"plumber\"}"))
                        .andExpect(status().isNotFound()).andExpect(jsonPath("$.agents[0]").value("echo"));
            }
            mvc.perform(post("/openrtc/playground/connect").contentType(MediaType.APPLICATION_JSON).content("{}"))
                    .andExpect(status().isNotFound());
            // Two connects a minute: both reach LiveKit (which is not there: 502), the third is refused.
            for (int i = 0; i < 2; i++) {
                mvc.perform(post("/openrtc/playground/connect").contentType(MediaType.APPLICATION_JSON).content("{\"agent\":\"echo\"}"))
                        .andExpect(status().isBadGateway());
            }
            mvc.perform(post("/openrtc/playground/connect").contentType(MediaType.APPLICATION_JSON).content("{\"agent\":\"echo\"}"))
                    .andExpect(status().isTooManyRequests()).andExpect(header().string("Retry-After", "60"));
            // Disconnect closes only rooms the playground made.
            mvc.perform(post("/openrtc/playground/disconnect").contentType(MediaType.APPLICATION_JSON).content("{\"room\":\"someone-elses\"}"))
                    .andExpect(status().isNotFound());
        });
    }

    @Test
    void thePagesAndOnlyTheirAssetsAreServed() {
        runner.withPropertyValues("openrtc.playground.enabled=true").run(context -> {
            MockMvc mvc = MockMvcBuilders.standaloneSetup(context.getBean(PlaygroundController.class)).build();
            mvc.perform(get("/openrtc/playground")).andExpect(status().isOk())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.TEXT_HTML))
                    .andExpect(header().string("Content-Security-Policy", org.hamcrest.Matchers.containsString("script-src 'self'")));
            mvc.perform(get("/openrtc/sessions")).andExpect(status().isOk());
            mvc.perform(get("/openrtc/playground/static/livekit-client.umd.js")).andExpect(status().isOk())
                    .andExpect(content().string(org.hamcrest.Matchers.containsString("livekit-client 2.")));
            mvc.perform(get("/openrtc/playground/static/playground.js")).andExpect(status().isOk());
            mvc.perform(get("/openrtc/playground/static/..%2f..%2fPlaygroundController.class")).andExpect(status().isNotFound());
            mvc.perform(get("/openrtc/playground/static/PlaygroundController.class")).andExpect(status().isNotFound());
        });
    }
}
