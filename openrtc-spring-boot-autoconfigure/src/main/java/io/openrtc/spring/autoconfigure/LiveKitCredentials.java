package io.openrtc.spring.autoconfigure;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import org.springframework.core.env.Environment;

/**
 * The LiveKit URL and API key pair the worker (and the playground's token endpoint) uses. By
 * default the auto-configuration builds it from the {@link LiveKitConnectionDetails} bean, which
 * is {@code openrtc.livekit.*} (each falling back to LiveKit's standard environment variables)
 * unless a service connection or the development server provides one. An application may
 * define its own bean of this type instead (credentials from Vault or another secret store):
 * then that bean is used, ahead of connection details and properties.
 *
 * @param url       the server URL, normalised to {@code ws://} or {@code wss://}
 * @param apiKey    the API key
 * @param apiSecret the API secret; never logged ({@link #toString()} leaves it out)
 */
public record LiveKitCredentials(URI url, String apiKey, String apiSecret) {

    /**
     * Resolves the settings from {@code properties}, else from {@code LIVEKIT_URL},
     * {@code LIVEKIT_API_KEY} and {@code LIVEKIT_API_SECRET} in {@code environment}.
     *
     * @throws IllegalStateException naming the missing or malformed property
     */
    static LiveKitCredentials resolve(OpenRtcProperties.Livekit properties, Environment environment) {
        String url = firstNonBlank(properties.url(), environment.getProperty("LIVEKIT_URL"));
        String apiKey = firstNonBlank(properties.apiKey(), environment.getProperty("LIVEKIT_API_KEY"));
        String apiSecret = firstNonBlank(properties.apiSecret(), environment.getProperty("LIVEKIT_API_SECRET"));
        if (url == null) {
            throw new IllegalStateException(missing("openrtc.livekit.url", "LIVEKIT_URL", "the LiveKit server URL, for example wss://my-project.livekit.cloud"));
        }
        if (apiKey == null) {
            throw new IllegalStateException(missing("openrtc.livekit.api-key", "LIVEKIT_API_KEY", "the LiveKit API key"));
        }
        if (apiSecret == null) {
            throw new IllegalStateException(missing("openrtc.livekit.api-secret", "LIVEKIT_API_SECRET", "the LiveKit API secret"));
        }
        return new LiveKitCredentials(parseUrl(url), apiKey, apiSecret);
    }

    /**
     * The credentials of {@code details}, the URL normalised as {@code openrtc.livekit.url} is.
     *
     * @throws IllegalStateException when a part is missing or the URL is malformed
     */
    public static LiveKitCredentials of(LiveKitConnectionDetails details) {
        if (details instanceof PropertiesLiveKitConnectionDetails properties) {
            return properties.credentials();
        }
        String name = details.getClass().getSimpleName();
        String url = firstNonBlank(details.getUrl(), null);
        String apiKey = firstNonBlank(details.getApiKey(), null);
        String apiSecret = firstNonBlank(details.getApiSecret(), null);
        if (url == null || apiKey == null || apiSecret == null) {
            throw new IllegalStateException("The LiveKit connection details " + name + " lack "
                    + (url == null ? "a URL" : apiKey == null ? "an API key" : "an API secret"));
        }
        return new LiveKitCredentials(parseUrl(url), apiKey, apiSecret);
    }

    /** The server's HTTP(S) address, for LiveKit's server API (rooms, dispatch). */
    public String httpUrl() {
        String ws = url.toString();
        return (ws.startsWith("wss:") ? "https:" + ws.substring(4) : "http:" + ws.substring(3));
    }

    private static URI parseUrl(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("openrtc.livekit.url (or LIVEKIT_URL) is not a URL: '" + url + "' (" + e.getReason() + ")", e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String wsScheme = switch (scheme) {
            case "ws", "http" -> "ws";
            case "wss", "https" -> "wss";
            default -> throw new IllegalStateException("openrtc.livekit.url (or LIVEKIT_URL) must start with ws://, wss://, http:// or https://, was '" + url + "'");
        };
        if (uri.getHost() == null) {
            throw new IllegalStateException("openrtc.livekit.url (or LIVEKIT_URL) has no host: '" + url + "'");
        }
        return URI.create(wsScheme + url.strip().substring(scheme.length()));
    }

    private static String missing(String property, String env, String what) {
        return property + " is not set: set it, or the environment variable " + env + ", to " + what
                + " (or set openrtc.enabled=false to run without OpenRTC)";
    }

    static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a.strip();
        }
        return b != null && !b.isBlank() ? b.strip() : null;
    }

    @Override
    public String toString() {
        return "LiveKitCredentials[url=" + url + ", apiKey=" + apiKey + ", apiSecret=<redacted>]";
    }
}
