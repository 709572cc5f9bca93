package io.openrtc.test;

import java.net.URI;
import java.util.Map;

/** A LiveKit server run by someone else; this handle never starts or stops it. */
final class ExternalLiveKitServer implements LiveKitServer {

    /** The connection settings of an external server. */
    record Settings(URI url, String apiKey, String apiSecret) {

        /** Reads {@code LIVEKIT_URL}, {@code LIVEKIT_API_KEY}, {@code LIVEKIT_API_SECRET}; null unless all are set. */
        static Settings fromEnvironment(Map<String, String> env) {
            String url = env.get("LIVEKIT_URL");
            String key = env.get("LIVEKIT_API_KEY");
            String secret = env.get("LIVEKIT_API_SECRET");
            if (isBlank(url) || isBlank(key) || isBlank(secret)) {
                return null;
            }
            String normalized = url.replaceFirst("^http://", "ws://").replaceFirst("^https://", "wss://");
            return new Settings(URI.create(normalized), key, secret);
        }

        private static boolean isBlank(String s) {
            return s == null || s.isBlank();
        }

        @Override
        public String toString() {
            return "Settings[url=" + url + ", apiKey=" + apiKey + ", apiSecret=<redacted>]";
        }
    }

    private final Settings settings;

    ExternalLiveKitServer(Settings settings) {
        this.settings = settings;
    }

    @Override
    public URI url() {
        return settings.url();
    }

    @Override
    public String apiKey() {
        return settings.apiKey();
    }

    @Override
    public String apiSecret() {
        return settings.apiSecret();
    }

    @Override
    public LiveKitServerBackend backend() {
        return LiveKitServerBackend.EXTERNAL;
    }

    @Override
    public String version() {
        return "unknown";
    }

    @Override
    public void restart() {
        throw new UnsupportedOperationException("An external LiveKit server (LIVEKIT_URL) cannot be restarted by a test");
    }

    @Override
    public void stop() {
        throw new UnsupportedOperationException("An external LiveKit server (LIVEKIT_URL) cannot be stopped by a test");
    }

    @Override
    public void start() {
        throw new UnsupportedOperationException("An external LiveKit server (LIVEKIT_URL) cannot be started by a test");
    }

    @Override
    public void close() {
        // Not ours to stop.
    }

    @Override
    public String toString() {
        return "external LiveKit server at " + settings.url();
    }
}
