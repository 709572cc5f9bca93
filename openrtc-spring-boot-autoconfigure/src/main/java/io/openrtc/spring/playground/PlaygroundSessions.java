package io.openrtc.spring.playground;

import io.livekit.server.AccessToken;
import io.livekit.server.AgentDispatchServiceClient;
import io.livekit.server.CanPublish;
import io.livekit.server.CanPublishData;
import io.livekit.server.CanSubscribe;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;
import io.livekit.server.RoomServiceClient;
import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.AgentRegistry;
import io.openrtc.spring.autoconfigure.LiveKitCredentials;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import retrofit2.Response;

/**
 * What the playground's Connect does, server-side: for a registered agent, a fresh room, the
 * agent dispatched into it through LiveKit's server API, and a short-lived participant token
 * for that room only (join, publish, subscribe, data; no room admin, no room creation, no
 * other room). The API secret signs the token here and never leaves the application.
 */
public class PlaygroundSessions {

    private static final Logger log = LoggerFactory.getLogger(PlaygroundSessions.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** An empty playground room is closed this long after its last participant left. */
    private static final int EMPTY_TIMEOUT_SECONDS = 30;

    /** The agent asked for is not one this application registered. */
    public static final class UnknownAgentException extends RuntimeException {
        UnknownAgentException(String agent) {
            super("no agent named '" + agent + "'");
        }
    }

    /** The client (or the application) asked for too many connects in the last minute. */
    public static final class RateLimitedException extends RuntimeException {
        RateLimitedException() {
            super("too many connects; try again in a minute");
        }
    }

    /**
     * What the browser gets: where to join, with which token, as whom, and until when.
     *
     * @param url       the LiveKit URL for the browser
     * @param token     a participant token for {@code room} only
     * @param room      the fresh room the agent was dispatched into
     * @param identity  the browser's participant identity
     * @param agent     the agent dispatched
     * @param expiresAt when the token stops being valid for joining
     */
    public record Connection(String url, String token, String room, String identity, String agent, Instant expiresAt) {
        @Override
        public String toString() {
            return "Connection[room=" + room + ", identity=" + identity + ", agent=" + agent + ", token=<redacted>]";
        }
    }

    /** An agent as the page lists it. */
    public record AgentView(String name, String description) {
    }

    private final AgentRegistry agents;
    private final LiveKitCredentials credentials;
    private final String workerAgentName;
    private final PlaygroundProperties properties;
    private final ConnectRateLimiter limiter;
    private final Clock clock;
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();

    public PlaygroundSessions(AgentRegistry agents, LiveKitCredentials credentials, String workerAgentName,
                              PlaygroundProperties properties) {
        this(agents, credentials, workerAgentName, properties, Clock.systemUTC());
    }

    PlaygroundSessions(AgentRegistry agents, LiveKitCredentials credentials, String workerAgentName,
                       PlaygroundProperties properties, Clock clock) {
        this.agents = agents;
        this.credentials = credentials;
        this.workerAgentName = workerAgentName == null ? "" : workerAgentName;
        this.properties = properties;
        this.limiter = new ConnectRateLimiter(properties.connectsPerMinute(), clock);
        this.clock = clock;
    }

    /** The registered agents, in registration order. */
    public List<AgentView> agents() {
        return agents.all().stream().map(a -> new AgentView(a.name(), a.settings().description())).toList();
    }

    /**
     * Dispatches {@code agent} into a fresh room and mints the browser's token for it.
     *
     * @param client the client's address, for the rate limit
     * @throws UnknownAgentException when no such agent is registered (checked before anything else)
     * @throws RateLimitedException  past {@code openrtc.playground.connects-per-minute}
     */
    public Connection connect(String agent, String client) {
        AgentRegistration registration = agent == null ? null : agents.find(agent).orElse(null);
        if (registration == null) {
            throw new UnknownAgentException(agent);
        }
        if (!limiter.tryAcquire(client == null ? "" : client)) {
            throw new RateLimitedException();
        }
        String suffix = HexFormat.of().formatHex(randomBytes(4));
        String room = "playground-" + registration.name() + "-" + suffix;
        String identity = "playground-user-" + suffix;
        dispatch(room, registration.name());
        rooms.add(room);
        Instant expires = clock.instant().plus(properties.tokenTtl());
        String token = token(room, identity, properties.tokenTtl());
        log.info("Playground: dispatched agent '{}' into room '{}' for {}", registration.name(), room, identity);
        return new Connection(browserUrl(), token, room, identity, registration.name(), expires);
    }

    /** Closes a room this playground created (ending its session); other rooms are left alone. */
    public boolean disconnect(String room) {
        if (room == null || !rooms.remove(room)) {
            return false;
        }
        try {
            RoomServiceClient.createClient(credentials.httpUrl(), credentials.apiKey(), credentials.apiSecret())
                    .deleteRoom(room).execute();
        } catch (IOException | RuntimeException e) {
            log.debug("Playground: could not delete room '{}': {}", room, e.toString());
        }
        return true;
    }

    /** The participant token: this room only, as a plain participant. */
    String token(String room, String identity, Duration ttl) {
        AccessToken token = new AccessToken(credentials.apiKey(), credentials.apiSecret());
        token.setIdentity(identity);
        token.setName("Playground");
        token.setTtl(ttl.toMillis());
        token.addGrants(new RoomJoin(true), new RoomName(room), new CanPublish(true), new CanSubscribe(true),
                new CanPublishData(true));
        return token.toJwt();
    }

    private void dispatch(String room, String agent) {
        String metadata = "{\"agent\":\"" + agent + "\"}";
        try {
            Response<?> response;
            if (!workerAgentName.isEmpty()) {
                // Explicit dispatch to this worker; the job metadata picks the agent.
                response = AgentDispatchServiceClient.createClient(credentials.httpUrl(), credentials.apiKey(),
                        credentials.apiSecret()).createDispatch(room, workerAgentName, metadata).execute();
            } else {
                // Automatic dispatch: creating the room dispatches the worker; the room metadata picks the agent.
                response = RoomServiceClient.createClient(credentials.httpUrl(), credentials.apiKey(), credentials.apiSecret())
                        .createRoom(room, EMPTY_TIMEOUT_SECONDS, 4, null, metadata).execute();
            }
            if (!response.isSuccessful()) {
                throw new IllegalStateException("LiveKit refused to dispatch '" + agent + "' into '" + room + "': HTTP "
                        + response.code());
            }
        } catch (IOException e) {
            throw new IllegalStateException("Could not reach LiveKit at " + credentials.httpUrl() + " to dispatch '" + agent
                    + "': " + e.getMessage(), e);
        }
    }

    private String browserUrl() {
        String url = properties.livekitUrl();
        return url == null || url.isBlank() ? credentials.url().toString() : url.strip();
    }

    /** Rooms created by this playground and not yet disconnected. */
    Set<String> rooms() {
        return Set.copyOf(rooms);
    }

    Map<String, Object> describe() {
        return Map.of("workerAgentName", workerAgentName, "rooms", rooms.size());
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
