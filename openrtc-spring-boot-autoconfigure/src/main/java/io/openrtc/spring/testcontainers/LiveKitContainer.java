package io.openrtc.spring.testcontainers;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A {@code livekit/livekit-server} container with a key pair of its own, for
 * {@code @ServiceConnection}:
 *
 * <pre>{@code
 * @Bean
 * @ServiceConnection
 * LiveKitContainer livekit() {
 *     return new LiveKitContainer();
 * }
 * }</pre>
 *
 * <p>The worker then connects to it ({@link LiveKitContainerConnectionDetailsFactory} turns it
 * into {@code LiveKitConnectionDetails}). Signalling works through the mapped HTTP port;
 * WebRTC media needs the server's ICE ports reachable at the address it advertises, which with
 * Docker's port mapping means host networking on Linux ({@link #withHostNetwork(String)}).
 */
public class LiveKitContainer extends GenericContainer<LiveKitContainer> {

    /** The image tested with OpenRTC. */
    public static final DockerImageName DEFAULT_IMAGE = DockerImageName.parse("livekit/livekit-server:v1.13.5");

    /** The signalling (HTTP and websocket) port inside the container. */
    public static final int HTTP_PORT = 7880;

    private final String apiKey = "openrtc";
    private final String apiSecret;
    private String nodeIp = "127.0.0.1";
    private boolean hostNetwork;

    public LiveKitContainer() {
        this(DEFAULT_IMAGE);
    }

    public LiveKitContainer(DockerImageName image) {
        super(image);
        image.assertCompatibleWith(DockerImageName.parse("livekit/livekit-server"));
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        this.apiSecret = HexFormat.of().formatHex(bytes);
        withExposedPorts(HTTP_PORT);
        waitingFor(Wait.forLogMessage(".*starting LiveKit server.*", 1));
        withStartupTimeout(Duration.ofMinutes(2));
    }

    /**
     * Runs the container on the host's network (Linux), advertising {@code nodeIp} (an address
     * of this machine other than loopback, which WebRTC does not use) for media.
     */
    public LiveKitContainer withHostNetwork(String nodeIp) {
        this.hostNetwork = true;
        this.nodeIp = nodeIp;
        setExposedPorts(java.util.List.of());
        return withNetworkMode("host");
    }

    @Override
    protected void configure() {
        withCommand("--config-body", """
                port: %d
                keys:
                  %s: %s
                rtc:
                  tcp_port: 7881
                  udp_port: 7882
                  use_external_ip: false
                  node_ip: %s
                room:
                  auto_create: true
                """.formatted(HTTP_PORT, apiKey, apiSecret, nodeIp));
    }

    /** The server URL, for the worker and for clients. */
    public String getUrl() {
        if (hostNetwork) {
            return "ws://" + nodeIp + ":" + HTTP_PORT;
        }
        return "ws://" + getHost() + ":" + getMappedPort(HTTP_PORT);
    }

    /** The API key. */
    public String getApiKey() {
        return apiKey;
    }

    /** The API secret, random per container. */
    public String getApiSecret() {
        return apiSecret;
    }
}
