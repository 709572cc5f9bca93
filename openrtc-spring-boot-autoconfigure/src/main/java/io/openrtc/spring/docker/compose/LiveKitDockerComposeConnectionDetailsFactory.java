package io.openrtc.spring.docker.compose;

import io.openrtc.spring.autoconfigure.LiveKitConnectionDetails;
import java.util.Map;
import org.springframework.boot.docker.compose.core.RunningService;
import org.springframework.boot.docker.compose.service.connection.DockerComposeConnectionDetailsFactory;
import org.springframework.boot.docker.compose.service.connection.DockerComposeConnectionSource;

/**
 * {@link LiveKitConnectionDetails} from a {@code livekit/livekit-server} service of
 * {@code compose.yaml}, with {@code spring-boot-docker-compose}: the URL is the service's host
 * and the port published for 7880; the key pair is {@code LIVEKIT_KEYS} of the service
 * ({@code "key: secret"}), else the {@code --dev} pair ({@code devkey}/{@code secret}).
 *
 * <pre>{@code
 * services:
 *   livekit:
 *     image: livekit/livekit-server:v1.13.5
 *     command: --dev --bind 0.0.0.0
 *     ports: ["7880:7880", "7881:7881", "7882:7882/udp"]
 * }</pre>
 */
class LiveKitDockerComposeConnectionDetailsFactory extends DockerComposeConnectionDetailsFactory<LiveKitConnectionDetails> {

    static final String IMAGE = "livekit/livekit-server";
    static final int HTTP_PORT = 7880;

    LiveKitDockerComposeConnectionDetailsFactory() {
        super(IMAGE, "io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration");
    }

    @Override
    protected LiveKitConnectionDetails getDockerComposeConnectionDetails(DockerComposeConnectionSource source) {
        return details(source.getRunningService());
    }

    static LiveKitConnectionDetails details(RunningService service) {
        String url = "ws://" + service.host() + ":" + service.ports().get(HTTP_PORT);
        String[] keys = keyPair(service.env());
        return new ComposeDetails(url, keys[0], keys[1]);
    }

    static String[] keyPair(Map<String, String> env) {
        String keys = env.get("LIVEKIT_KEYS");
        if (keys != null) {
            String first = keys.split("[,\\n]")[0];
            int colon = first.indexOf(':');
            if (colon > 0) {
                return new String[] {first.substring(0, colon).strip(), first.substring(colon + 1).strip()};
            }
        }
        return new String[] {"devkey", "secret"};
    }

    record ComposeDetails(String getUrl, String getApiKey, String getApiSecret) implements LiveKitConnectionDetails {
        @Override
        public String toString() {
            return "LiveKit from Docker Compose at " + getUrl + " (key " + getApiKey + ")";
        }
    }
}
