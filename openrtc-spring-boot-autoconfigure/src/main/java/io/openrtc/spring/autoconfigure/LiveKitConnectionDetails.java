package io.openrtc.spring.autoconfigure;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * Where the LiveKit server is, and the API key pair to use with it, the Boot way: the
 * auto-configuration uses a bean of this type ahead of {@code openrtc.livekit.*} and the
 * {@code LIVEKIT_*} environment variables. Beans come from a Testcontainers
 * {@code @ServiceConnection} LiveKit container, a {@code livekit/livekit-server} service in
 * {@code compose.yaml} (with {@code spring-boot-docker-compose}), the development server of
 * {@code openrtc-spring-boot-devservices}, or the application itself; without one the
 * properties are read ({@link PropertiesLiveKitConnectionDetails}).
 *
 * <p>A {@link LiveKitCredentials} bean of the application's own wins over all of these.
 */
public interface LiveKitConnectionDetails extends ConnectionDetails {

    /** The server URL: {@code ws://}, {@code wss://}, {@code http://} or {@code https://}. */
    String getUrl();

    /** The API key. */
    String getApiKey();

    /** The API secret. Never logged. */
    String getApiSecret();
}
