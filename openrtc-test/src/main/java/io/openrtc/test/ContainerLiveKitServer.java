package io.openrtc.test;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * livekit-server in Docker, for machines that run Docker but have no local binary.
 *
 * <p>Signalling and the Twirp APIs work through mapped ports everywhere. WebRTC media needs the
 * server to advertise an address the test JVM can reach on a non-loopback interface: on Linux
 * the container uses the host network and advertises {@code OPENRTC_TEST_SERVER_IP} (or the
 * Docker host address); elsewhere set {@code OPENRTC_TEST_SERVER_IP} to a LAN address of the
 * Docker host.
 */
final class ContainerLiveKitServer implements LiveKitServer {

    static final DockerImageName IMAGE = DockerImageName.parse("livekit/livekit-server:v1.13.5");
    private static final String API_KEY = "openrtc-test-key";
    private static final int HTTP_PORT = 7880;
    private static final int UDP_PORT = 7882;

    private final GenericContainer<?> container;
    private final String secret;
    private final boolean hostNetwork;

    private ContainerLiveKitServer(GenericContainer<?> container, String secret, boolean hostNetwork) {
        this.container = container;
        this.secret = secret;
        this.hostNetwork = hostNetwork;
    }

    /** Null when Docker is usable, else why not. */
    static String unavailableReason() {
        try {
            return DockerClientFactory.instance().isDockerAvailable() ? null : "no Docker engine answers";
        } catch (RuntimeException | LinkageError e) {
            return "Docker check failed: " + e.getMessage();
        }
    }

    @SuppressWarnings("resource") // closed by close()
    static ContainerLiveKitServer launch() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        String secret = HexFormat.of().formatHex(bytes);
        boolean hostNetwork = System.getProperty("os.name", "").toLowerCase().contains("linux");
        String nodeIp = System.getenv().getOrDefault("OPENRTC_TEST_SERVER_IP",
                DockerClientFactory.instance().dockerHostIpAddress());
        String config = """
                port: %d
                keys:
                  %s: %s
                logging:
                  level: info
                rtc:
                  tcp_port: 7881
                  udp_port: %d
                  use_external_ip: false
                  node_ip: %s
                room:
                  auto_create: true
                  empty_timeout: 20
                  departure_timeout: 5
                """.formatted(HTTP_PORT, API_KEY, secret, UDP_PORT, nodeIp);
        GenericContainer<?> container = new GenericContainer<>(IMAGE)
                .withCommand("--config-body", config)
                .waitingFor(Wait.forLogMessage(".*starting LiveKit server.*", 1))
                .withStartupTimeout(Duration.ofMinutes(2));
        if (hostNetwork) {
            container.withNetworkMode("host");
        } else {
            container.withExposedPorts(HTTP_PORT);
        }
        container.start();
        return new ContainerLiveKitServer(container, secret, hostNetwork);
    }

    @Override
    public URI url() {
        if (hostNetwork) {
            return URI.create("ws://" + System.getenv().getOrDefault("OPENRTC_TEST_SERVER_IP", "127.0.0.1") + ":" + HTTP_PORT);
        }
        return URI.create("ws://" + container.getHost() + ":" + container.getMappedPort(HTTP_PORT));
    }

    @Override
    public String apiKey() {
        return API_KEY;
    }

    @Override
    public String apiSecret() {
        return secret;
    }

    @Override
    public LiveKitServerBackend backend() {
        return LiveKitServerBackend.CONTAINER;
    }

    @Override
    public String version() {
        return IMAGE.getVersionPart().replaceFirst("^v", "");
    }

    @Override
    public void restart() {
        container.getDockerClient().restartContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void stop() {
        container.getDockerClient().stopContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void start() {
        container.getDockerClient().startContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void close() {
        container.stop();
    }

    @Override
    public String toString() {
        return "livekit-server container " + container.getContainerId();
    }
}
