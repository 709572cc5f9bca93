package io.openrtc.test;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Join tokens for tests that stand in for what LiveKit's dispatch hands an agent: HS256 JWTs with
 * the top-level {@code kind: "agent"} claim (which {@code io.livekit.server.AccessToken} cannot
 * set) and the grants an agent needs.
 */
public final class TestTokens {

    private TestTokens() {
    }

    /** An agent token for {@code identity} in {@code room}, valid for an hour. */
    public static String agent(LiveKitServer server, String room, String identity) {
        return agent(server.apiKey(), server.apiSecret(), room, identity, Duration.ofHours(1));
    }

    /**
     * An agent token signed with {@code apiSecret}; a negative {@code validFor} gives a token that
     * has already expired.
     */
    public static String agent(String apiKey, String apiSecret, String room, String identity, Duration validFor) {
        Instant now = Instant.now();
        Map<String, Object> video = new LinkedHashMap<>();
        video.put("roomJoin", true);
        video.put("room", room);
        video.put("canPublish", true);
        video.put("canSubscribe", true);
        video.put("canPublishData", true);
        video.put("canUpdateOwnMetadata", true);
        video.put("agent", true);
        Instant expires = now.plus(validFor);
        return JWT.create()
                .withIssuer(apiKey)
                .withSubject(identity)
                .withClaim("name", identity)
                .withClaim("kind", "agent")
                .withClaim("video", video)
                .withNotBefore(validFor.isNegative() ? expires.minusSeconds(60) : now.minusSeconds(10))
                .withExpiresAt(expires)
                .sign(Algorithm.HMAC256(apiSecret));
    }
}
