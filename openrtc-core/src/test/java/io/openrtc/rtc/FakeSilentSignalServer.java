package io.openrtc.rtc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * A fake of the LiveKit side, for one fault the real server cannot be made to produce: it accepts
 * the signal websocket upgrade on loopback and then never sends a JoinResponse (a real server
 * either answers or refuses the upgrade). Used to prove the join gives up at the JoinResponse step
 * within its bound.
 */
final class FakeSilentSignalServer implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> accepted = new ArrayList<>();
    private final Thread acceptor;

    FakeSilentSignalServer() throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().daemon(true).name("fake-silent-signal").start(this::accept);
    }

    URI url() {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort());
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                synchronized (accepted) {
                    accepted.add(socket);
                }
                upgrade(socket);
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Answers the HTTP upgrade with 101 and then stays silent. */
    private static void upgrade(Socket socket) throws IOException {
        FakeWebSocketHandshake.answer(socket);
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (accepted) {
            for (Socket socket : accepted) {
                socket.close();
            }
        }
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
