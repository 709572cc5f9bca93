package io.openrtc.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.runtime.AgentPool;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Where the worker's LiveKit URL and key pair come from: the application's
 * {@link LiveKitCredentials} bean, else the {@link LiveKitConnectionDetails} bean (a service
 * connection, the development server, the application's), else {@code openrtc.livekit.*}.
 * Each case checks the worker itself: it connects (and fails to, here) to the URL that won.
 */
class LiveKitConnectionDetailsTest {

    private static final String SECRET = "secret-that-is-long-enough-for-livekit";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(OpenRtcAutoConfiguration.class))
            .withUserConfiguration(OneAgent.class);

    @AgentConfig(name = "echo")
    static class EchoAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import(EchoAgent.class)
    static class OneAgent {
    }

    record Details(String getUrl, String getApiKey, String getApiSecret) implements LiveKitConnectionDetails {
    }

    @Configuration(proxyBeanMethods = false)
    static class WithConnectionDetails {
        @Bean
        LiveKitConnectionDetails testConnectionDetails() {
            return new Details("http://127.0.0.2:2", "details-key", SECRET);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class WithCredentials {
        @Bean
        LiveKitCredentials vaultCredentials() {
            return new LiveKitCredentials(URI.create("ws://127.0.0.3:3"), "vault-key", SECRET);
        }
    }

    @Test
    void propertiesAreTheConnectionDetailsWhenNoOtherExist() {
        runner.withPropertyValues("openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=props-key",
                "openrtc.livekit.api-secret=" + SECRET).run(context -> {
            assertThat(context).hasSingleBean(PropertiesLiveKitConnectionDetails.class);
            assertThat(context.getBean(LiveKitCredentials.class).url()).isEqualTo(URI.create("ws://127.0.0.1:1"));
            assertThat(workerTarget(context.getBean(AgentPool.class))).contains("127.0.0.1:1");
        });
    }

    @Test
    void connectionDetailsWinOverProperties() {
        runner.withUserConfiguration(WithConnectionDetails.class)
                .withPropertyValues("openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=props-key",
                        "openrtc.livekit.api-secret=" + SECRET)
                .run(context -> {
                    assertThat(context).doesNotHaveBean(PropertiesLiveKitConnectionDetails.class);
                    LiveKitCredentials credentials = context.getBean(LiveKitCredentials.class);
                    assertThat(credentials.url()).isEqualTo(URI.create("ws://127.0.0.2:2"));
                    assertThat(credentials.apiKey()).isEqualTo("details-key");
                    assertThat(credentials.httpUrl()).isEqualTo("http://127.0.0.2:2");
                    assertThat(workerTarget(context.getBean(AgentPool.class))).contains("127.0.0.2:2");
                });
    }

    @Test
    void connectionDetailsNeedNoProperties() {
        runner.withUserConfiguration(WithConnectionDetails.class).run(context -> assertThat(context).hasNotFailed()
                .hasSingleBean(AgentPool.class));
    }

    @Test
    void theApplicationsCredentialsBeanWinsOverConnectionDetailsAndProperties() {
        runner.withUserConfiguration(WithConnectionDetails.class, WithCredentials.class)
                .withPropertyValues("openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=props-key",
                        "openrtc.livekit.api-secret=" + SECRET)
                .run(context -> {
                    assertThat(context).hasSingleBean(LiveKitCredentials.class);
                    assertThat(context.getBean(LiveKitCredentials.class).apiKey()).isEqualTo("vault-key");
                    assertThat(workerTarget(context.getBean(AgentPool.class))).contains("127.0.0.3:3");
                });
    }

    @Test
    void theApplicationsCredentialsBeanNeedsNoProperties() {
        runner.withUserConfiguration(WithCredentials.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(workerTarget(context.getBean(AgentPool.class))).contains("127.0.0.3:3");
        });
    }

    @Test
    void withNothingConfiguredStartupNamesTheProperty() {
        runner.run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                .hasMessageContaining("openrtc.livekit.url").hasMessageContaining("LIVEKIT_URL"));
    }

    @Test
    void incompleteConnectionDetailsSayWhatIsMissing() {
        runner.withBean(LiveKitConnectionDetails.class, () -> new Details("ws://127.0.0.2:2", "key", " "))
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("API secret")
                        .hasMessageNotContaining(SECRET));
    }

    @Test
    void theCredentialsNeverPrintTheSecret() {
        assertThat(new LiveKitCredentials(URI.create("wss://x.livekit.cloud"), "key", SECRET).toString())
                .doesNotContain(SECRET).contains("<redacted>");
        assertThat(new LiveKitCredentials(URI.create("wss://x.livekit.cloud"), "key", SECRET).httpUrl())
                .isEqualTo("https://x.livekit.cloud");
    }

    /** The worker's last connection error, which names the URL it tried. */
    private static String workerTarget(AgentPool pool) {
        await().atMost(Duration.ofSeconds(20)).until(() -> !pool.snapshot().worker().lastError().isEmpty());
        return pool.snapshot().worker().lastError();
    }
}
