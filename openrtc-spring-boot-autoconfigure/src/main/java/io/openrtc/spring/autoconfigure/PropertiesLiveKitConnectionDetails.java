package io.openrtc.spring.autoconfigure;

import java.util.Objects;
import org.springframework.core.env.Environment;

/**
 * The {@link LiveKitConnectionDetails} of {@code openrtc.livekit.*}, each falling back to
 * LiveKit's standard environment variables ({@code LIVEKIT_URL}, {@code LIVEKIT_API_KEY},
 * {@code LIVEKIT_API_SECRET}). Used when no other connection details bean exists. A getter
 * whose setting is missing throws, naming the property and the variable.
 */
public class PropertiesLiveKitConnectionDetails implements LiveKitConnectionDetails {

    private final OpenRtcProperties.Livekit properties;
    private final Environment environment;

    public PropertiesLiveKitConnectionDetails(OpenRtcProperties.Livekit properties, Environment environment) {
        this.properties = Objects.requireNonNull(properties, "properties");
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /** Whether a URL is set at all (property or environment variable). */
    public static boolean isConfigured(Environment environment) {
        return LiveKitCredentials.firstNonBlank(environment.getProperty("openrtc.livekit.url"),
                environment.getProperty("LIVEKIT_URL")) != null;
    }

    @Override
    public String getUrl() {
        return credentials().url().toString();
    }

    @Override
    public String getApiKey() {
        return credentials().apiKey();
    }

    @Override
    public String getApiSecret() {
        return credentials().apiSecret();
    }

    LiveKitCredentials credentials() {
        return LiveKitCredentials.resolve(properties, environment);
    }

    @Override
    public String toString() {
        return "PropertiesLiveKitConnectionDetails[openrtc.livekit.* / LIVEKIT_*]";
    }
}
