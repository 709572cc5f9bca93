package io.openrtc.rtc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.openrtc.observe.SessionMdc;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signal websocket of one join attempt ({@code /rtc}, protocol v0): one protobuf
 * {@code SignalRequest} per binary message out, one {@code SignalResponse} per binary message in.
 *
 * <p>Outgoing messages go through a queue drained by a single writer (the JDK websocket allows
 * one outstanding send). Incoming binary messages may arrive in parts; they are accumulated until
 * the last part. The token travels in the {@code Authorization} header, never in the URL or logs.
 */
final class SignalConnection {

    /** Receives what the server sends. Called on the HTTP client's threads: hand work off, do not block. */
    interface Handler {
        void onMessage(SignalResponse message);

        /** Called once, when the socket closed or failed for any reason other than {@link #close}. */
        void onLost(String cause);
    }

    static final int PROTOCOL_VERSION = 16;
    private static final Logger log = LoggerFactory.getLogger(SignalConnection.class);
    private static final Object CLOSE = new Object();
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);

    private final Handler handler;
    private final LinkedBlockingQueue<Object> outgoing = new LinkedBlockingQueue<>();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final CompletableFuture<Void> writerDone = new CompletableFuture<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private volatile WebSocket socket;
    private volatile boolean closingByUs;

    SignalConnection(Handler handler) {
        this.handler = handler;
    }

    /**
     * Opens the websocket. Messages may reach the handler before this returns.
     *
     * @throws RoomJoinException {@link JoinStep#AUTHORIZATION} when the server rejects the token,
     *                           {@link JoinStep#SIGNAL_CONNECT} for everything else; the message
     *                           carries the server's own reason from {@code /rtc/validate}
     */
    void open(HttpClient client, URI serverUrl, String token, boolean autoSubscribe, Duration timeout)
            throws RoomJoinException, InterruptedException {
        open(client, serverUrl, token, autoSubscribe, timeout, Map.of());
    }

    /**
     * Opens the websocket with extra query parameters (for a resume: {@code reconnect=1},
     * {@code sid}, {@code reconnect_reason}).
     */
    void open(HttpClient client, URI serverUrl, String token, boolean autoSubscribe, Duration timeout,
            Map<String, String> extraQuery) throws RoomJoinException, InterruptedException {
        SignalConnection connection = this;
        URI uri = rtcUri(serverUrl, "rtc", autoSubscribe, extraQuery);
        CompletableFuture<WebSocket> opening = client.newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .connectTimeout(timeout)
                .buildAsync(uri, connection.new Listener());
        try {
            connection.socket = opening.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            opening.cancel(true);
            throw new RoomJoinException(JoinStep.SIGNAL_CONNECT,
                    "the websocket to " + safe(uri) + " did not open within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw connectFailure(client, serverUrl, uri, token, autoSubscribe, e.getCause());
        }
        Thread.ofVirtual().name("signal-writer").start(SessionMdc.propagate(connection::drain));
    }

    /** Queues a message; returns false when the connection is already closed. */
    boolean send(SignalRequest request) {
        if (finished.get()) {
            return false;
        }
        outgoing.add(request);
        return true;
    }

    /**
     * Sends what is queued, then a normal close frame, waiting at most {@code timeout}; aborts the
     * socket if that takes longer. The handler's {@code onLost} is not called.
     */
    void close(Duration timeout) {
        closingByUs = true;
        if (finished.get()) {
            abort();
            return;
        }
        outgoing.add(CLOSE);
        try {
            writerDone.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("Signal close did not complete cleanly: {}", e.toString());
        }
        abort();
    }

    /** Drops the socket at once. The handler's {@code onLost} is not called. */
    void abort() {
        closingByUs = true;
        finished.set(true);
        outgoing.clear();
        outgoing.add(CLOSE);
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
    }

    private void drain() {
        try {
            while (true) {
                Object next = outgoing.take();
                WebSocket ws = socket;
                if (next == CLOSE) {
                    if (!ws.isOutputClosed()) {
                        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    break;
                }
                byte[] bytes = ((SignalRequest) next).toByteArray();
                ws.sendBinary(ByteBuffer.wrap(bytes), true).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            writerDone.complete(null);
        } catch (InterruptedException e) {
            writerDone.completeExceptionally(e);
        } catch (Exception e) {
            writerDone.completeExceptionally(e);
            lost("sending failed: " + rootMessage(e));
        }
    }

    private void lost(String cause) {
        if (finished.compareAndSet(false, true)) {
            outgoing.clear();
            outgoing.add(CLOSE);
            if (!closingByUs) {
                handler.onLost(cause);
            }
        }
    }

    private final class Listener implements WebSocket.Listener {

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            partial.write(chunk, 0, chunk.length);
            if (last) {
                byte[] message = partial.toByteArray();
                partial.reset();
                try {
                    handler.onMessage(SignalResponse.parseFrom(message));
                } catch (InvalidProtocolBufferException e) {
                    log.warn("Ignored a signal message that is not a SignalResponse ({} bytes): {}", message.length,
                            e.getMessage());
                } catch (RuntimeException e) {
                    log.warn("Signal message handler failed: {}", e.toString());
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            // We never send text, so the server never answers in JSON; ignore anything else.
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            lost("the server closed the signal connection (" + statusCode + (reason.isEmpty() ? "" : " " + reason) + ")");
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            lost("the signal connection failed: " + rootMessage(error));
        }
    }

    // ---- URLs and failures ----

    /** {@code <server>/<prefix>/rtc?...} with http mapped to ws; {@code path} is {@code rtc} or {@code rtc/validate}. */
    static URI rtcUri(URI serverUrl, String path, boolean autoSubscribe) {
        return rtcUri(serverUrl, path, autoSubscribe, Map.of());
    }

    static URI rtcUri(URI serverUrl, String path, boolean autoSubscribe, Map<String, String> extraQuery) {
        String scheme = switch (serverUrl.getScheme() == null ? "" : serverUrl.getScheme().toLowerCase()) {
            case "ws", "http" -> path.equals("rtc") ? "ws" : "http";
            case "wss", "https" -> path.equals("rtc") ? "wss" : "https";
            default -> throw new IllegalArgumentException(
                    "serverUrl must start with ws://, wss://, http:// or https://, was " + serverUrl);
        };
        String base = serverUrl.getRawPath() == null ? "" : serverUrl.getRawPath();
        if (!base.endsWith("/")) {
            base = base + "/";
        }
        Map<String, String> query = new LinkedHashMap<>();
        query.put("protocol", Integer.toString(PROTOCOL_VERSION));
        query.put("auto_subscribe", autoSubscribe ? "1" : "0");
        query.put("sdk", "java");
        query.put("version", "0.1.0");
        query.put("os", System.getProperty("os.name", ""));
        query.put("os_version", System.getProperty("os.version", ""));
        query.putAll(extraQuery);
        String encoded = query.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        String authority = serverUrl.getRawAuthority();
        return URI.create(scheme + "://" + authority + base + path + "?" + encoded);
    }

    private static RoomJoinException connectFailure(HttpClient client, URI serverUrl, URI uri, String token,
            boolean autoSubscribe, Throwable error) {
        if (error instanceof WebSocketHandshakeException handshake) {
            int status = handshake.getResponse().statusCode();
            String reason = validate(client, serverUrl, token, autoSubscribe);
            JoinStep step = status == 401 || status == 403 ? JoinStep.AUTHORIZATION : JoinStep.SIGNAL_CONNECT;
            String what = step == JoinStep.AUTHORIZATION ? "the server rejected the token" : "the server refused the websocket";
            return new RoomJoinException(step, what + " (HTTP " + status + ")" + (reason.isEmpty() ? "" : ": " + reason));
        }
        if (error instanceof HttpConnectTimeoutException || error instanceof HttpTimeoutException) {
            return new RoomJoinException(JoinStep.SIGNAL_CONNECT, "could not reach " + safe(uri) + ": timed out", error);
        }
        if (error instanceof ConnectException || rootCause(error) instanceof ConnectException) {
            return new RoomJoinException(JoinStep.SIGNAL_CONNECT, "could not reach " + safe(uri)
                    + ": connection refused or unreachable (" + rootMessage(error) + ")", error);
        }
        return new RoomJoinException(JoinStep.SIGNAL_CONNECT, "the websocket to " + safe(uri) + " failed: "
                + rootMessage(error), error);
    }

    /** LiveKit's explanation of a refused join: {@code GET /rtc/validate} answers with the error text. */
    private static String validate(HttpClient client, URI serverUrl, String token, boolean autoSubscribe) {
        try {
            HttpRequest request = HttpRequest.newBuilder(rtcUri(serverUrl, "rtc/validate", autoSubscribe))
                    .header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(3))
                    .GET().build();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            String body = redactTokens(response.body() == null ? "" : response.body().strip(), token);
            return body.length() > 300 ? body.substring(0, 300) + "..." : body;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } catch (Exception e) {
            return "";
        }
    }

    /** Removes the token, and anything that looks like a JWT, from text the server sent back (it echoes tokens). */
    static String redactTokens(String text, String token) {
        String redacted = token.isEmpty() ? text : text.replace(token, "<token>");
        return JWT_LIKE.matcher(redacted).replaceAll("<token>");
    }

    private static final java.util.regex.Pattern JWT_LIKE =
            java.util.regex.Pattern.compile("eyJ[A-Za-z0-9_.-]*");

    /** The URI without its query (which carries nothing secret, but keeps logs short). */
    static String safe(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
    }

    private static Throwable rootCause(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    static String rootMessage(Throwable error) {
        Throwable root = rootCause(error);
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
