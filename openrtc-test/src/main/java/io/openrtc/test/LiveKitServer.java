package io.openrtc.test;

import io.livekit.server.AccessToken;
import io.livekit.server.AgentDispatchServiceClient;
import io.livekit.server.CanPublish;
import io.livekit.server.CanPublishData;
import io.livekit.server.CanSubscribe;
import io.livekit.server.CanUpdateOwnMetadata;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;
import io.livekit.server.RoomServiceClient;
import java.net.URI;

/**
 * A running LiveKit server that tests may use: its address, its API key pair and ready-made
 * service clients.
 */
public interface LiveKitServer extends AutoCloseable {

    /** The websocket URL clients and workers connect to, for example {@code ws://198.18.0.1:20001}. */
    URI url();

    /** The API key. */
    String apiKey();

    /** The API secret. Never log it. */
    String apiSecret();

    /** Which backend provides the server. */
    LiveKitServerBackend backend();

    /** The server's version as it reported it at startup, when known (for example {@code 1.13.5}). */
    String version();

    /**
     * Stops the server process and starts it again on the same address with the same keys, the
     * way a server restart looks to clients. Rooms do not survive it.
     *
     * @throws UnsupportedOperationException for an external server
     */
    void restart() throws Exception;

    /** Stops the server process and leaves it stopped (until {@link #start()}). */
    void stop() throws Exception;

    /** Starts a server stopped by {@link #stop()}, on the same address with the same keys. */
    void start() throws Exception;

    /**
     * Takes the link between this host and the server down: from now on nothing reaches the
     * server and nothing comes back (packets are dropped, as on a lost network), until
     * {@link #restoreNetwork()}. Only for a server in a network of its own
     * ({@link LiveKitServerTest#network()}); the shared test network is never cut.
     *
     * @throws UnsupportedOperationException for any other server
     */
    default void cutNetwork() throws Exception {
        throw new UnsupportedOperationException(this + " has no network of its own to cut (see LiveKitServerTest.network)");
    }

    /** Brings the link {@link #cutNetwork()} took down up again. */
    default void restoreNetwork() throws Exception {
        throw new UnsupportedOperationException(this + " has no network of its own to restore");
    }

    /**
     * The server's own log, when this JVM can read it (the local binary's): what LiveKit itself
     * recorded, such as each agent job's end ({@code "job ended"} lines with its status).
     */
    default java.util.Optional<java.nio.file.Path> logFile() {
        return java.util.Optional.empty();
    }

    /** The HTTP base URL of the Twirp APIs, for example {@code http://198.18.0.1:20001}. */
    default String httpUrl() {
        String ws = url().toString();
        return ws.startsWith("wss://") ? "https://" + ws.substring(6) : "http://" + ws.substring(5);
    }

    /** A client for LiveKit's RoomService. */
    default RoomServiceClient roomService() {
        return RoomServiceClient.createClient(httpUrl(), apiKey(), apiSecret());
    }

    /** A client for LiveKit's AgentDispatchService. */
    default AgentDispatchServiceClient agentDispatch() {
        return AgentDispatchServiceClient.createClient(httpUrl(), apiKey(), apiSecret());
    }

    /**
     * A join token for an ordinary participant (a test caller) that may publish, subscribe,
     * publish data and update its own metadata in {@code room}.
     */
    default String participantToken(String room, String identity) {
        AccessToken token = new AccessToken(apiKey(), apiSecret());
        token.setIdentity(identity);
        token.setName(identity);
        token.addGrants(new RoomJoin(true), new RoomName(room), new CanPublish(true),
                new CanSubscribe(true), new CanPublishData(true), new CanUpdateOwnMetadata(true));
        return token.toJwt();
    }

    /** Stops the server if this handle owns it. */
    @Override
    void close() throws Exception;
}
