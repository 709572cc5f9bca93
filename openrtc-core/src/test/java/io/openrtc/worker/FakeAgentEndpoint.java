package io.openrtc.worker;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import livekit.LivekitAgent.RegisterWorkerResponse;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitAgent.WorkerPong;
import livekit.LivekitModels.ServerInfo;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

/**
 * A fake of LiveKit's {@code /agent} websocket endpoint, in-process on loopback (OkHttp's
 * MockWebServer). It exists only for faults the real livekit-server cannot be made to produce:
 * malformed frames, assignments for jobs the worker never accepted, duplicate requests, a
 * link that stops answering, an HTTP server that is not LiveKit. Everything a worker does
 * against a real server is tested against a real server.
 *
 * <p>By default it answers {@code register} and {@code ping} the way LiveKit does and
 * records every message the worker sends; tests drive the rest through {@link Connection}.
 */
final class FakeAgentEndpoint implements AutoCloseable {

    private final MockWebServer server = new MockWebServer();
    private final BlockingQueue<Connection> connections = new LinkedBlockingQueue<>();
    private final List<Connection> allConnections = new CopyOnWriteArrayList<>();
    private final AtomicInteger registrations = new AtomicInteger();
    private volatile boolean answerPings = true;
    private volatile boolean answerRegister = true;
    private volatile int httpStatus = 0;

    FakeAgentEndpoint() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (httpStatus != 0) {
                    return new MockResponse.Builder().code(httpStatus).body("not a LiveKit server").build();
                }
                if (!request.getUrl().encodedPath().equals("/agent")) {
                    return new MockResponse.Builder().code(404).body("404 page not found").build();
                }
                Connection connection = new Connection(request.getHeaders().get("Authorization"));
                return new MockResponse.Builder().webSocketUpgrade(connection.listener).build();
            }
        });
        server.start(InetAddress.getLoopbackAddress(), 0);
    }

    /** The URL a worker is configured with (the worker appends {@code /agent}). */
    URI url() {
        return URI.create("ws://127.0.0.1:" + server.getPort());
    }

    /** Answer every HTTP request with {@code status} and a plain body instead of a websocket. */
    void answerHttp(int status) {
        httpStatus = status;
    }

    /** Whether to answer registration requests (false: a websocket server that is not LiveKit's). */
    void answerRegister(boolean answer) {
        answerRegister = answer;
    }

    /** Whether to answer the worker's pings (false simulates a link gone silent). */
    void answerPings(boolean answer) {
        answerPings = answer;
    }

    /** The next worker connection, waiting up to {@code timeout}. */
    Connection nextConnection(Duration timeout) throws InterruptedException {
        Connection connection = connections.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (connection == null) {
            throw new AssertionError("no worker connected to the fake endpoint within " + timeout);
        }
        return connection;
    }

    int connectionCount() {
        return allConnections.size();
    }

    @Override
    public void close() {
        server.close();
    }

    /** One worker socket as the fake server sees it. */
    final class Connection {
        final String authorization;
        final BlockingQueue<WorkerMessage> received = new LinkedBlockingQueue<>();
        final List<WorkerMessage> log = new CopyOnWriteArrayList<>();
        volatile int closeCode = -1;
        private volatile WebSocket socket;

        final WebSocketListener listener = new WebSocketListener() {
            @Override
            public void onOpen(WebSocket webSocket, Response response) {
                socket = webSocket;
                allConnections.add(Connection.this);
                connections.add(Connection.this);
            }

            @Override
            public void onMessage(WebSocket webSocket, ByteString bytes) {
                WorkerMessage message;
                try {
                    message = WorkerMessage.parseFrom(bytes.toByteArray());
                } catch (InvalidProtocolBufferException e) {
                    throw new AssertionError("worker sent a malformed frame", e);
                }
                log.add(message);
                switch (message.getMessageCase()) {
                    case REGISTER -> {
                        if (answerRegister) {
                            send(ServerMessage.newBuilder().setRegister(RegisterWorkerResponse.newBuilder()
                                    .setWorkerId("AW_fake" + registrations.incrementAndGet())
                                    .setServerInfo(ServerInfo.newBuilder().setVersion("fake").setAgentProtocol(1)))
                                    .build());
                        }
                    }
                    case PING -> {
                        if (answerPings) {
                            send(ServerMessage.newBuilder().setPong(WorkerPong.newBuilder()
                                    .setLastTimestamp(message.getPing().getTimestamp())
                                    .setTimestamp(System.currentTimeMillis()))
                                    .build());
                        }
                    }
                    default -> {
                    }
                }
                received.add(message);
            }

            @Override
            public void onMessage(WebSocket webSocket, String text) {
                throw new AssertionError("worker sent a text frame: " + text);
            }

            @Override
            public void onClosing(WebSocket webSocket, int code, String reason) {
                closeCode = code;
                webSocket.close(code, reason);
            }
        };

        Connection(String authorization) {
            this.authorization = authorization;
        }

        void send(ServerMessage message) {
            socket.send(ByteString.of(message.toByteArray()));
        }

        void sendRaw(byte[] frame) {
            socket.send(ByteString.of(frame));
        }

        void sendText(String text) {
            socket.send(text);
        }

        /** The next message the worker sent that matches, skipping others, within {@code timeout}. */
        WorkerMessage next(Predicate<WorkerMessage> matching, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                WorkerMessage message = left <= 0 ? null : received.poll(left, TimeUnit.NANOSECONDS);
                if (message == null) {
                    throw new AssertionError("the worker sent no matching message within " + timeout + "; it sent " + log);
                }
                if (matching.test(message)) {
                    return message;
                }
            }
        }

        WorkerMessage next(WorkerMessage.MessageCase kind, Duration timeout) throws InterruptedException {
            return next(m -> m.getMessageCase() == kind, timeout);
        }
    }
}
