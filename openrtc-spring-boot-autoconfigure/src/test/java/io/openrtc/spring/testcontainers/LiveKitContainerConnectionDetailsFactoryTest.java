package io.openrtc.spring.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.spring.autoconfigure.LiveKitConnectionDetails;
import io.openrtc.spring.autoconfigure.LiveKitCredentials;
import io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration;
import io.openrtc.spring.autoconfigure.PropertiesLiveKitConnectionDetails;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.boot.testcontainers.service.connection.ServiceConnectionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.testcontainers.containers.GenericContainer;

/**
 * A {@code @ServiceConnection} LiveKit container becomes the worker's connection details, through
 * Boot's own service-connection auto-configuration and this project's factory (found through
 * {@code spring.factories}). No Docker engine runs here, so the containers are stand-ins that
 * answer as a started container would (host, mapped port); with Docker the same beans start real ones.
 */
class LiveKitContainerConnectionDetailsFactoryTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ServiceConnectionAutoConfiguration.class, OpenRtcAutoConfiguration.class))
            .withPropertyValues("openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=props-key",
                    "openrtc.livekit.api-secret=secret-that-is-long-enough-for-livekit");

    @AgentConfig(name = "echo")
    static class EchoAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    /** A LiveKitContainer as it answers once started on mapped port 17880, without Docker. */
    static class StartedLiveKitContainer extends LiveKitContainer {
        @Override
        public String getHost() {
            return "127.0.0.9";
        }

        @Override
        public Integer getMappedPort(int originalPort) {
            assertThat(originalPort).isEqualTo(HTTP_PORT);
            return 17880;
        }

        @Override
        public String getDockerImageName() {
            return DEFAULT_IMAGE.asCanonicalNameString();
        }

        @Override
        public void start() {
        }

        @Override
        public void stop() {
        }
    }

    /** Any container of the image, started with LIVEKIT_KEYS. */
    static class StartedGenericContainer extends GenericContainer<StartedGenericContainer> {
        StartedGenericContainer() {
            super(LiveKitContainer.DEFAULT_IMAGE);
            withEnv("LIVEKIT_KEYS", "compose-key: compose-secret-that-is-long-enough");
        }

        @Override
        public String getHost() {
            return "127.0.0.8";
        }

        @Override
        public Integer getMappedPort(int originalPort) {
            return 27880;
        }

        @Override
        public String getDockerImageName() {
            return "livekit/livekit-server:v1.13.5";
        }

        @Override
        public void start() {
        }

        @Override
        public void stop() {
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import(EchoAgent.class)
    static class WithLiveKitContainer {
        @Bean
        @ServiceConnection
        LiveKitContainer livekit() {
            return new StartedLiveKitContainer();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import(EchoAgent.class)
    static class WithGenericContainer {
        @Bean
        @ServiceConnection(name = "livekit")
        GenericContainer<?> livekit() {
            return new StartedGenericContainer();
        }
    }

    @Test
    void aServiceConnectionLiveKitContainerWinsOverProperties() {
        runner.withUserConfiguration(WithLiveKitContainer.class).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(PropertiesLiveKitConnectionDetails.class);
            LiveKitConnectionDetails details = context.getBean(LiveKitConnectionDetails.class);
            LiveKitContainer container = context.getBean(LiveKitContainer.class);
            assertThat(details.getUrl()).isEqualTo("ws://127.0.0.9:17880");
            assertThat(details.getApiKey()).isEqualTo(container.getApiKey());
            assertThat(details.getApiSecret()).isEqualTo(container.getApiSecret()).hasSize(48);
            assertThat(context.getBean(LiveKitCredentials.class).url()).isEqualTo(URI.create("ws://127.0.0.9:17880"));
        });
    }

    @Test
    void anyContainerOfTheImageWorksWithItsLiveKitKeys() {
        runner.withUserConfiguration(WithGenericContainer.class).run(context -> {
            assertThat(context).hasNotFailed();
            LiveKitCredentials credentials = context.getBean(LiveKitCredentials.class);
            assertThat(credentials.url()).isEqualTo(URI.create("ws://127.0.0.8:27880"));
            assertThat(credentials.apiKey()).isEqualTo("compose-key");
            assertThat(credentials.apiSecret()).isEqualTo("compose-secret-that-is-long-enough");
        });
    }

    @Test
    void withoutLiveKitKeysTheDevPairIsUsed() {
        assertThat(LiveKitContainerConnectionDetailsFactory.keyPair(Map.of())).containsExactly("devkey", "secret");
        assertThat(LiveKitContainerConnectionDetailsFactory.keyPair(Map.of("LIVEKIT_KEYS", "k1: s1, k2: s2")))
                .containsExactly("k1", "s1");
    }

    @Test
    void theContainerConfiguresItsKeyAndAdvertisedAddress() {
        LiveKitContainer container = new LiveKitContainer();
        container.configure();
        assertThat(String.join(" ", container.getCommandParts())).contains(container.getApiKey() + ": " + container.getApiSecret())
                .contains("node_ip: 127.0.0.1");
        assertThat(container.getExposedPorts()).containsExactly(LiveKitContainer.HTTP_PORT);
        LiveKitContainer host = new LiveKitContainer().withHostNetwork("198.18.0.2");
        host.configure();
        assertThat(String.join(" ", host.getCommandParts())).contains("node_ip: 198.18.0.2");
        assertThat(host.getUrl()).isEqualTo("ws://198.18.0.2:7880");
    }
}
