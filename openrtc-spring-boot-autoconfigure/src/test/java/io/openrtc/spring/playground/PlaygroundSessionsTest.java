package io.openrtc.spring.playground;

import io.openrtc.spring.json.Json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentProvider;
import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.AgentSettings;
import io.openrtc.agent.AgentRegistry;
import io.openrtc.spring.autoconfigure.LiveKitCredentials;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The tokens the playground mints, and the limits on minting them. */
class PlaygroundSessionsTest {

    private static final String SECRET = OpenRtcPlaygroundAutoConfigurationTest.SECRET;
    private final LiveKitCredentials credentials = new LiveKitCredentials(URI.create("ws://127.0.0.1:1"), "key", SECRET);
    private final AgentRegistry agents = AgentRegistry.of(List.of(new AgentRegistration("echo",
            AgentProvider.singleton((Agent) session -> {
            }), AgentSettings.DEFAULTS)));
    private final PlaygroundProperties properties = new PlaygroundProperties(true, Duration.ofMinutes(10), 3, null);

    @Test
    void theTokenIsAParticipantsForItsOneRoomOnly() {
        PlaygroundSessions sessions = new PlaygroundSessions(agents, credentials, "", properties);
        String jwt = sessions.token("playground-echo-1234", "playground-user-1234", Duration.ofMinutes(10));
        DecodedJWT token = JWT.require(Algorithm.HMAC256(SECRET)).build().verify(jwt);
        assertThat(token.getSubject()).isEqualTo("playground-user-1234");
        assertThat(token.getIssuer()).isEqualTo("key");
        Map<String, Object> video = token.getClaim("video").asMap();
        assertThat(video).containsEntry("room", "playground-echo-1234").containsEntry("roomJoin", true)
                .containsEntry("canPublish", true).containsEntry("canSubscribe", true).containsEntry("canPublishData", true);
        // No grant beyond joining that room as a participant.
        assertThat(video).doesNotContainKeys("roomAdmin", "roomCreate", "roomList", "roomRecord", "ingressAdmin", "hidden",
                "recorder", "agent", "canUpdateOwnMetadata", "destinationRoom");
        assertThat(token.getClaim("kind").isMissing() || token.getClaim("kind").isNull()).isTrue();
        assertThat(token.getClaims()).doesNotContainKey("roomConfig");
        // Short-lived.
        assertThat(Duration.between(Instant.now(), token.getExpiresAtAsInstant())).isBetween(Duration.ofMinutes(9),
                Duration.ofMinutes(11));
        assertThat(jwt).doesNotContain(SECRET);
    }

    @Test
    void unknownAgentsAreRefusedBeforeTheRateLimitCounts() {
        PlaygroundSessions sessions = new PlaygroundSessions(agents, credentials, "", properties);
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(() -> sessions.connect("plumber", "10.0.0.1")).isInstanceOf(PlaygroundSessions.UnknownAgentException.class);
        }
        assertThatThrownBy(() -> sessions.connect(null, "10.0.0.1")).isInstanceOf(PlaygroundSessions.UnknownAgentException.class);
        // The three allowed connects still reach LiveKit (absent here).
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> sessions.connect("echo", "10.0.0.1")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("127.0.0.1:1").hasMessageNotContaining(SECRET);
        }
        assertThatThrownBy(() -> sessions.connect("echo", "10.0.0.1")).isInstanceOf(PlaygroundSessions.RateLimitedException.class);
    }

    @Test
    void theRateLimitIsPerClientWithAnOverallCapAndSlides() {
        AtomicLong now = new AtomicLong(1_000_000);
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        ConnectRateLimiter limiter = new ConnectRateLimiter(2, clock);
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isFalse();
        assertThat(limiter.tryAcquire("b")).isTrue();
        now.addAndGet(59_000);
        assertThat(limiter.tryAcquire("a")).isFalse();
        now.addAndGet(1_000);
        assertThat(limiter.tryAcquire("a")).isTrue();
        // Overall: five times the per-client limit, whoever asks.
        ConnectRateLimiter overall = new ConnectRateLimiter(1, clock);
        for (int i = 0; i < 5; i++) {
            assertThat(overall.tryAcquire("client-" + i)).isTrue();
        }
        assertThat(overall.tryAcquire("client-6")).isFalse();
    }

    @Test
    void aConnectionNeverPrintsItsToken() {
        PlaygroundSessions.Connection connection = new PlaygroundSessions.Connection("ws://x", "eyJ.secret.token", "room",
                "id", "echo", Instant.now());
        assertThat(connection.toString()).doesNotContain("eyJ.secret.token");
    }

    @Test
    void theSessionPanelsMessagesAreJson() {
        assertThat(Json.write(Map.of("a", List.of(1, "x\"<y>\n"), "b", true)))
                .isIn("{\"a\":[1,\"x\\\"\\u003cy\\u003e\\n\"],\"b\":true}", "{\"b\":true,\"a\":[1,\"x\\\"\\u003cy\\u003e\\n\"]}");
    }
}
