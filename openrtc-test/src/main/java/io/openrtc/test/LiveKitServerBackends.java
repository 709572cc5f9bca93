package io.openrtc.test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the backend for a test server, in this order: an external server named by the
 * {@code LIVEKIT_*} environment variables; the local livekit-server binary; a Testcontainers
 * container. When none can start, {@link #start} throws with what to do about it.
 */
public final class LiveKitServerBackends {

    private static final Logger log = LoggerFactory.getLogger(LiveKitServerBackends.class);

    private LiveKitServerBackends() {
    }

    /**
     * Starts (or, for an external server, connects to) a server.
     *
     * @param restartable whether the caller needs {@link LiveKitServer#restart()}; skips the
     *                    external backend
     */
    public static LiveKitServer start(boolean restartable) {
        return start(restartable, System.getenv());
    }

    /**
     * Starts a local server in a network namespace of its own ({@code network}), whose link the
     * test may cut. Only the local binary in netns mode (as root on Linux) can do that.
     */
    public static LiveKitServer start(TestNetwork network) {
        LocalBinaryLiveKitServer.Availability local = LocalBinaryLiveKitServer.availability();
        if (!local.available()) {
            throw new IllegalStateException("A test in the network '" + network.name() + "' needs the local livekit-server: "
                    + local.reason());
        }
        return watched(LocalBinaryLiveKitServer.launch(local, network));
    }

    static LiveKitServer start(boolean restartable, Map<String, String> env) {
        List<String> reasons = new ArrayList<>();

        ExternalLiveKitServer.Settings external = ExternalLiveKitServer.Settings.fromEnvironment(env);
        if (external != null && !restartable) {
            log.info("Using the external LiveKit server at {} (from LIVEKIT_URL)", external.url());
            return watched(new ExternalLiveKitServer(external));
        }
        reasons.add(external == null
                ? "external: LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET are not all set"
                : "external: this test restarts the server, which an external server does not allow");

        LocalBinaryLiveKitServer.Availability local = LocalBinaryLiveKitServer.availability();
        if (local.available()) {
            return watched(LocalBinaryLiveKitServer.launch(local));
        }
        reasons.add("local binary: " + local.reason());

        String container = ContainerLiveKitServer.unavailableReason();
        if (container == null) {
            return watched(ContainerLiveKitServer.launch());
        }
        reasons.add("container: " + container);

        throw new IllegalStateException("""
                No LiveKit server is available for this test. Install the local server with \
                `scripts/livekit-server.sh install` (needs Go), or point LIVEKIT_URL, LIVEKIT_API_KEY \
                and LIVEKIT_API_SECRET at a running server, or run Docker. Tried:
                  - """ + String.join("\n  - ", reasons));
    }

    /** From here on, no log line of this JVM may hold the server's secret ({@link SecretScan}). */
    private static LiveKitServer watched(LiveKitServer server) {
        SecretScan.watch(server.apiSecret());
        return server;
    }
}
