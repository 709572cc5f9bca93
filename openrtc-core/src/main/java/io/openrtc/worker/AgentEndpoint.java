package io.openrtc.worker;

import io.livekit.server.AccessToken;
import io.livekit.server.Agent;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocketHandshakeException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Where and how the worker connects: the {@code /agent} websocket address derived from the
 * configured URL, the bearer token, and what a failed attempt means.
 */
final class AgentEndpoint {

    /** Token lifetime: LiveKit checks it only at the upgrade, so it can be short. */
    private static final long TOKEN_TTL_MILLIS = TimeUnit.MINUTES.toMillis(10);

    private final WorkerOptions options;
    private final URI agentUri;
    private final URI serverUrl;

    AgentEndpoint(WorkerOptions options) {
        this.options = options;
        this.serverUrl = websocketForm(options.url());
        this.agentUri = withAgentPath(serverUrl);
    }

    /** The {@code ws(s)://host:port/.../agent} address of the worker socket. */
    URI agentUri() {
        return agentUri;
    }

    /** The server's {@code http(s)://host:port} address, for LiveKit's room service. */
    URI httpUrl() {
        return withScheme(options.url(), false, null);
    }

    /** The server URL in websocket form, which sessions join when an assignment names none. */
    URI serverUrl() {
        return serverUrl;
    }

    /** A fresh token with only the agent grant, as LiveKit requires for {@code /agent}. */
    String mintToken() {
        AccessToken token = new AccessToken(options.apiKey(), options.apiSecret());
        token.setTtl(TOKEN_TTL_MILLIS);
        token.addGrants(new Agent(true));
        return token.toJwt();
    }

    /**
     * Why an attempt failed, and whether trying again can help; {@code rejected} when LiveKit
     * itself refused the worker (HTTP 401 or 403 to the upgrade), which is worth an audit event.
     */
    record Failure(String message, WorkerStartupException definitive, boolean rejected) {

        Failure(String message, WorkerStartupException definitive) {
            this(message, definitive, false);
        }
    }

    /**
     * Classifies an exception from opening the socket. HTTP 401 means the key pair is wrong;
     * any other HTTP answer to the upgrade (404, a 200 page, a 101 that is not a websocket)
     * means the URL is not a LiveKit server, except the 5xx answers a proxy gives while LiveKit
     * behind it restarts, which are retried like network errors.
     *
     * <p>Never includes the response body: LiveKit echoes the rejected token in its 401 body.
     */
    Failure classify(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof WebSocketHandshakeException handshake) {
            int status = handshake.getResponse().statusCode();
            if (status == 401 || status == 403) {
                String message = "LiveKit at " + options.url() + " rejected the API key '" + options.apiKey()
                        + "' or its secret (HTTP " + status + "): check " + WorkerOptions.API_KEY_SETTING + " and "
                        + WorkerOptions.API_SECRET_SETTING;
                return new Failure(message, new WorkerStartupException(
                        "openrtc.livekit.api-key/openrtc.livekit.api-secret", message, null), true);
            }
            if (status >= 500 && status != 501 && status != 505) {
                return new Failure("HTTP " + status + " from " + agentUri + " (LiveKit unavailable?)", null);
            }
            String message = agentUri + " answered HTTP " + status + " instead of LiveKit's agent websocket: "
                    + "it is not a LiveKit server (or not its HTTP port); check " + WorkerOptions.URL_SETTING;
            return new Failure(message, new WorkerStartupException("openrtc.livekit.url", message, null));
        }
        if (cause instanceof HttpConnectTimeoutException || cause instanceof HttpTimeoutException) {
            return new Failure("timed out connecting to " + agentUri + " after " + options.connectTimeout().toMillis()
                    + " ms", null);
        }
        if (cause instanceof ConnectException) {
            return new Failure("cannot connect to " + agentUri + " (" + describe(cause) + ")", null);
        }
        if (cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
            return new Failure("cannot resolve host of " + agentUri + ": check " + WorkerOptions.URL_SETTING, null);
        }
        if (cause instanceof SSLException) {
            return new Failure("TLS handshake with " + agentUri + " failed (" + describe(cause) + ")", null);
        }
        return new Failure("cannot open " + agentUri + " (" + describe(cause) + ")", null);
    }

    static String describe(Throwable error) {
        Throwable cause = unwrap(error);
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        // The JDK wraps some connect failures in a bare IOException.
        if (cause.getClass() == java.io.IOException.class && cause.getCause() != null) {
            return cause.getCause();
        }
        return cause;
    }

    private static URI websocketForm(URI url) {
        return withScheme(url, true, url.getPath());
    }

    private static URI withScheme(URI url, boolean websocket, String path) {
        String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        String secure = websocket ? "wss" : "https";
        String plain = websocket ? "ws" : "http";
        String converted = switch (scheme) {
            case "http", "ws" -> plain;
            case "https", "wss" -> secure;
            default -> scheme;
        };
        try {
            return new URI(converted, null, url.getHost(), url.getPort(), path, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("url '" + url + "' is not usable: check " + WorkerOptions.URL_SETTING, e);
        }
    }

    private static URI withAgentPath(URI server) {
        String path = server.getPath() == null ? "" : server.getPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        try {
            return new URI(server.getScheme(), null, server.getHost(), server.getPort(), path + "/agent", null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("url '" + server + "' is not usable: check " + WorkerOptions.URL_SETTING, e);
        }
    }
}
