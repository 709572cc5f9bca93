package io.openrtc.spring.docker.compose;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.spring.autoconfigure.LiveKitConnectionDetails;
import java.lang.reflect.Constructor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetailsFactories;
import org.springframework.boot.docker.compose.core.ConnectionPorts;
import org.springframework.boot.docker.compose.core.ImageReference;
import org.springframework.boot.docker.compose.core.RunningService;
import org.springframework.boot.docker.compose.service.connection.DockerComposeConnectionSource;
import org.springframework.mock.env.MockEnvironment;

/**
 * A {@code livekit/livekit-server} service of {@code compose.yaml} becomes
 * {@link LiveKitConnectionDetails}, found the way spring-boot-docker-compose finds it: through
 * {@link ConnectionDetailsFactories} and {@code spring.factories}. No Docker engine runs here:
 * the running service is described as {@code docker compose ps} would report it.
 */
class LiveKitDockerComposeConnectionDetailsFactoryTest {

    record Service(String name, ImageReference image, Map<String, String> env) implements RunningService {
        @Override
        public String host() {
            return "127.0.0.7";
        }

        @Override
        public ConnectionPorts ports() {
            return new ConnectionPorts() {
                @Override
                public int get(int containerPort) {
                    assertThat(containerPort).isEqualTo(7880);
                    return 37880;
                }

                @Override
                public List<Integer> getAll() {
                    return List.of(37880);
                }

                @Override
                public List<Integer> getAll(String protocol) {
                    return List.of(37880);
                }
            };
        }

        @Override
        public Map<String, String> labels() {
            return Map.of();
        }
    }

    @Test
    void aLiveKitServiceBecomesConnectionDetails() throws Exception {
        Map<Class<?>, ConnectionDetails> found = detailsFor(new Service("livekit",
                ImageReference.of("livekit/livekit-server:v1.13.5"), Map.of("LIVEKIT_KEYS", "compose-key: compose-secret")));
        LiveKitConnectionDetails details = (LiveKitConnectionDetails) found.get(LiveKitConnectionDetails.class);
        assertThat(details).isNotNull();
        assertThat(details.getUrl()).isEqualTo("ws://127.0.0.7:37880");
        assertThat(details.getApiKey()).isEqualTo("compose-key");
        assertThat(details.getApiSecret()).isEqualTo("compose-secret");
        assertThat(details.toString()).doesNotContain("compose-secret");
    }

    @Test
    void aDevModeServiceUsesTheDevKeyPair() throws Exception {
        LiveKitConnectionDetails details = (LiveKitConnectionDetails) detailsFor(new Service("livekit",
                ImageReference.of("livekit/livekit-server"), Map.of())).get(LiveKitConnectionDetails.class);
        assertThat(details.getApiKey()).isEqualTo("devkey");
        assertThat(details.getApiSecret()).isEqualTo("secret");
    }

    @Test
    void otherImagesAreNotLiveKit() throws Exception {
        assertThat(detailsFor(new Service("redis", ImageReference.of("redis:7"), Map.of())))
                .doesNotContainKey(LiveKitConnectionDetails.class);
    }

    private static Map<Class<?>, ConnectionDetails> detailsFor(RunningService service) throws Exception {
        // Boot builds the source itself from `docker compose ps`; its constructor is not public.
        Constructor<DockerComposeConnectionSource> constructor = DockerComposeConnectionSource.class
                .getDeclaredConstructor(RunningService.class, org.springframework.core.env.Environment.class);
        constructor.setAccessible(true);
        DockerComposeConnectionSource source = constructor.newInstance(service, new MockEnvironment());
        return new ConnectionDetailsFactories(null).getConnectionDetails(source, false);
    }
}
