package io.openrtc.worker;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.WorkerMessage;

/**
 * One websocket to LiveKit's {@code /agent} endpoint over the JDK's {@link HttpClient}.
 *
 * <p>Writes go through one queue: the JDK forbids starting a send before the previous one has
 * completed, and several threads (the worker loop, session callbacks) produce messages.
 * Reads accumulate the parts the JDK may split a binary message into until the last one,
 * parse it, hand it to the {@link Handler} (which must not block) and request the next.
 */
final class WorkerSocket {

    /** Inbound messages larger than this are a protocol violation (LiveKit caps its own at 2 MiB). */
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    /** Receives what arrives. Called on the HTTP client's threads; must return quickly. */
    interface Handler {
        void onMessage(ServerMessage message);

        /** A frame that is not a {@code ServerMessage}; the socket stays open. */
        void onMalformed(String detail);

        /** The socket is gone (closed by the server, or failed). Called at most once. */
        void onClosed(String reason);
    }

    private sealed interface Outgoing {
        /** {@code written} completes once the frame has been handed to the network (or failed). */
        record Binary(byte[] bytes, CompletableFuture<Void> written) implements Outgoing {
        }

        record Close(int code, String reason) implements Outgoing {
        }
    }

    private final Handler handler;
    private final Queue<Outgoing> outgoing = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sending = new AtomicBoolean();
    private final AtomicBoolean closedReported = new AtomicBoolean();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile WebSocket webSocket;
    private volatile boolean outputClosed;

    private WorkerSocket(Handler handler) {
        this.handler = handler;
    }

    /**
     * Opens a socket to {@code uri} with {@code token} as bearer credentials. The returned
     * stage fails with the JDK's exception (for example a {@code WebSocketHandshakeException}
     * carrying the HTTP status) when the upgrade does not succeed.
     */
    static CompletableFuture<WorkerSocket> open(HttpClient client, URI uri, String token, Duration connectTimeout,
            Handler handler) {
        WorkerSocket socket = new WorkerSocket(handler);
        return client.newWebSocketBuilder()
                .connectTimeout(connectTimeout)
                .header("Authorization", "Bearer " + token)
                .buildAsync(uri, socket.new Reader())
                .thenApply(ws -> {
                    socket.webSocket = ws;
                    return socket;
                });
    }

    /** Queues a message; silently dropped once the socket is closing. */
    void send(WorkerMessage message) {
        sendWritten(message);
    }

    /**
     * Queues a message like {@link #send}; the answer completes once its frame is written (at
     * once when it is dropped; never when the socket aborts first).
     */
    CompletableFuture<Void> sendWritten(WorkerMessage message) {
        if (outputClosed) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        outgoing.add(new Outgoing.Binary(message.toByteArray(), written));
        pump();
        return written;
    }

    /**
     * Queues a close frame behind everything queued before it, so final job statuses go out
     * first. Completes when the server has answered the close or the socket ended otherwise.
     */
    CompletableFuture<Void> close(int code, String reason) {
        if (!outputClosed) {
            outgoing.add(new Outgoing.Close(code, reason));
            outputClosed = true;
            pump();
        }
        return terminated;
    }

    /** Drops the connection at once, without a close handshake. */
    void abort(String reason) {
        outputClosed = true;
        WebSocket ws = webSocket;
        if (ws != null) {
            ws.abort();
        }
        reportClosed(reason);
    }

    /** Completes when the socket is fully gone. */
    CompletableFuture<Void> terminated() {
        return terminated;
    }

    private void pump() {
        while (sending.compareAndSet(false, true)) {
            Outgoing next = outgoing.poll();
            if (next == null) {
                sending.set(false);
                if (outgoing.isEmpty()) {
                    return;
                }
                continue;
            }
            WebSocket ws = webSocket;
            CompletableFuture<WebSocket> sent = switch (next) {
                case Outgoing.Binary binary -> ws.sendBinary(ByteBuffer.wrap(binary.bytes()), true);
                case Outgoing.Close close -> ws.sendClose(close.code(), close.reason());
            };
            if (next instanceof Outgoing.Binary binary) {
                sent.whenComplete((ignored, error) -> binary.written().complete(null));
            }
            if (sent.isDone() && !sent.isCompletedExceptionally()) {
                sending.set(false);
                continue;
            }
            sent.whenComplete((ignored, error) -> {
                sending.set(false);
                if (error != null) {
                    abort("sending failed: " + AgentEndpoint.describe(error));
                } else {
                    pump();
                }
            });
            return;
        }
    }

    private void reportClosed(String reason) {
        if (closedReported.compareAndSet(false, true)) {
            outputClosed = true;
            outgoing.clear();
            try {
                handler.onClosed(reason);
            } finally {
                terminated.complete(null);
            }
        }
    }

    /** The JDK listener; each callback consumes one unit of demand, so each requests one more. */
    private final class Reader implements WebSocket.Listener {
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
        private int textChars;

        @Override
        public void onOpen(WebSocket ws) {
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            if (binary.size() + data.remaining() > MAX_MESSAGE_BYTES) {
                binary.reset();
                abort("LiveKit sent a message larger than " + MAX_MESSAGE_BYTES + " bytes");
                return null;
            }
            byte[] part = new byte[data.remaining()];
            data.get(part);
            binary.writeBytes(part);
            if (last) {
                byte[] whole = binary.toByteArray();
                binary.reset();
                deliver(whole);
            }
            ws.request(1);
            return null;
        }

        private void deliver(byte[] bytes) {
            ServerMessage message;
            try {
                message = ServerMessage.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                handler.onMalformed("a " + bytes.length + "-byte frame that is not a ServerMessage (" + e.getMessage() + ")");
                return;
            }
            handler.onMessage(message);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            // The worker only sends binary, so LiveKit answers in binary; text would be protojson.
            textChars += data.length();
            if (last) {
                handler.onMalformed("a " + textChars + "-character text frame (the worker speaks binary protobuf only)");
                textChars = 0;
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
            ws.request(1); // the JDK answers the ping itself
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            if (statusCode == WebSocket.NORMAL_CLOSURE || statusCode == 1001) {
                reportClosed("closed by LiveKit (code " + statusCode + (reason == null || reason.isEmpty() ? "" : ", " + reason)
                        + ")");
            } else {
                // 1006 is the JDK's code for a connection that ended without a close frame.
                reportClosed("connection to LiveKit ended abnormally (code " + statusCode
                        + (reason == null || reason.isEmpty() ? "" : ", " + reason) + ")");
            }
            return null; // the JDK then completes the close handshake with the same code
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            reportClosed("connection failed: " + AgentEndpoint.describe(error));
        }
    }
}
