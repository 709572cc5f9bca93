package io.openrtc.spring.playground;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code openrtc.playground.*}: the browser playground at {@code /openrtc/playground} and its
 * session panel.
 *
 * @param enabled          Whether the playground, its token endpoint and the session panel's
 *                         WebSocket are served. Unset: on only with the development LiveKit
 *                         server of openrtc-spring-boot-devservices; off otherwise (production).
 * @param tokenTtl         How long a participant token the playground mints is valid for joining.
 * @param connectsPerMinute How many Connect requests one client address may make per minute
 *                         (the whole application: five times that).
 * @param livekitUrl       The LiveKit URL browsers use, when it differs from the worker's.
 */
@ConfigurationProperties("openrtc.playground")
public record PlaygroundProperties(
        Boolean enabled,
        @DefaultValue("10m") Duration tokenTtl,
        @DefaultValue("20") int connectsPerMinute,
        String livekitUrl) {

    public PlaygroundProperties {
        if (tokenTtl.isNegative() || tokenTtl.isZero() || tokenTtl.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("openrtc.playground.token-ttl must be between 1 s and 1 h, was " + tokenTtl);
        }
        if (connectsPerMinute < 1) {
            throw new IllegalArgumentException("openrtc.playground.connects-per-minute must be at least 1, was " + connectsPerMinute);
        }
    }
}
