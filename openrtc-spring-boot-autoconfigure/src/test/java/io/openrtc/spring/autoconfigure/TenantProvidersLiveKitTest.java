package io.openrtc.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import io.openrtc.test.ChatRequest;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.ScriptedChatServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Each tenant's own language model, against a real livekit-server: a Boot application with three
 * Spring AI chat models (the house's, and one per tenant with the tenant's own key), each talking
 * to its own scripted chat server, and {@code openrtc.tenants.<id>.llm} naming the tenant's. The
 * sessions of each tenant join their rooms and ask their voice for a reply: every request reaches
 * the tenant's server with the tenant's key, and no other server sees it.
 */
@LiveKitServerTest
class TenantProvidersLiveKitTest {

    private static ScriptedChatServer house;
    private static ScriptedChatServer acme;
    private static ScriptedChatServer globex;
    private static final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();

    /** Greets in the tenant's name, through its voice (no speech: the reply goes to the chat). */
    @AgentConfig(name = "concierge")
    static class Concierge implements Agent {
        @Override
        public void run(AgentSession session) throws Exception {
            session.voice().generateReply("Greet the caller on behalf of tenant " + session.tenant() + ".");
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(Concierge.class)
    static class App {
        @Bean
        ChatModel houseChat() {
            return chat(house, "house-key");
        }

        @Bean
        ChatModel acmeChat() {
            return chat(acme, "acme-key");
        }

        @Bean
        ChatModel globexChat() {
            return chat(globex, "globex-key");
        }

        @Bean
        OpenRtcListener testEvents() {
            return events::add;
        }
    }

    static ChatModel chat(ScriptedChatServer server, String apiKey) {
        return OpenAiChatModel.builder().options(OpenAiChatOptions.builder().baseUrl(server.baseUrl()).apiKey(apiKey)
                .model("gpt-4o-mini").timeout(Duration.ofSeconds(30)).maxRetries(0).build()).build();
    }

    @BeforeAll
    static void startChatServers() {
        house = ScriptedChatServer.start();
        acme = ScriptedChatServer.start();
        globex = ScriptedChatServer.start();
        house.otherwise().reply("Welcome to the house.");
        acme.otherwise().reply("Welcome to Acme.");
        globex.otherwise().reply("Welcome to Globex.");
    }

    @AfterAll
    static void stopChatServers() {
        house.close();
        acme.close();
        globex.close();
    }

    @Test
    void eachTenantsSessionsAskOnlyTheTenantsOwnModel(LiveKitServer server) throws Exception {
        String agentName = "tenant-providers";
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(App.class)
                .properties("spring.main.web-application-type=none", "spring.main.banner-mode=off",
                        "openrtc.livekit.url=" + server.url(), "openrtc.livekit.api-key=" + server.apiKey(),
                        "openrtc.livekit.api-secret=" + server.apiSecret(), "openrtc.agent-name=" + agentName,
                        "openrtc.drain-timeout=5s",
                        "openrtc.defaults.llm=houseChat",
                        "openrtc.tenants.acme.llm=acmeChat", "openrtc.tenants.acme.max-concurrent-sessions=2",
                        "openrtc.tenants.globex.llm=globexChat")
                .run()) {
            Map<String, ScriptedChatServer> servers = Map.of("acme", acme, "globex", globex);
            for (int i = 0; i < 2; i++) {
                for (String tenant : servers.keySet()) {
                    String room = Dispatches.dispatchUntilAccepted(server, agentName, "{\"tenant\":\"" + tenant + "\"}",
                            r -> ended(r) != null);
                    OpenRtcEvent.SessionEnded ended = ended(room);
                    assertThat(ended.session().tenant()).isEqualTo(tenant);
                    assertThat(ended.outcome()).as("session of %s in %s", tenant, room).isInstanceOf(SessionOutcome.Success.class);
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> acme.requests().size() >= 2 && globex.requests().size() >= 2);
            servers.forEach((tenant, chat) -> {
                assertThat(chat.requests()).as("requests to %s's model", tenant).hasSize(2).allSatisfy(request -> {
                    assertThat(request.json().toString()).contains("on behalf of tenant " + tenant + ".");
                    assertThat(request.header("Authorization")).hasValue("Bearer " + tenant + "-key");
                });
            });
            assertThat(house.requests()).as("the house's model, which no tenant here uses").isEmpty();
            assertThat(acme.requests()).extracting(ChatRequest::path).allMatch(path -> path.endsWith("/chat/completions"));
        }
    }

    private static OpenRtcEvent.SessionEnded ended(String room) {
        return events.stream().filter(e -> e instanceof OpenRtcEvent.SessionEnded ended && ended.session().roomName().equals(room))
                .map(OpenRtcEvent.SessionEnded.class::cast).findFirst().orElse(null);
    }
}
