package io.openrtc.rtc;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A fake of LiveKit's signal endpoint, for faults the real server cannot be made to produce: it
 * accepts one websocket upgrade on loopback and then sends whatever frames the test gives it
 * (bytes that are no {@code SignalResponse}, messages split into continuation frames, text
 * frames). It never reads what the client sends after the upgrade.
 */
final class FakeSignalServer implements AutoCloseable {

    private final ServerSocket server;
    private final CompletableFuture<Socket> client = new CompletableFuture<>();

    FakeSignalServer() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon(true).name("fake-signal").start(this::accept);
    }

    URI url() {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort());
    }

    private void accept() {
        try {
            Socket socket = server.accept();
            upgrade(socket);
            client.complete(socket);
        } catch (IOException e) {
            client.completeExceptionally(e);
        }
    }

    /** Sends one message as a binary frame, or split into {@code parts} frames (a binary frame and continuations). */
    void sendBinary(byte[] payload, int parts) throws Exception {
        OutputStream out = socket().getOutputStream();
        int pieces = Math.max(1, Math.min(parts, Math.max(1, payload.length)));
        int at = 0;
        for (int i = 0; i < pieces; i++) {
            int end = i == pieces - 1 ? payload.length : at + payload.length / pieces;
            writeFrame(out, i == 0 ? 0x2 : 0x0, i == pieces - 1, payload, at, end - at);
            at = end;
        }
        out.flush();
    }

    /** Sends a text frame (the signal protocol never uses them). */
    void sendText(String text) throws Exception {
        OutputStream out = socket().getOutputStream();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        writeFrame(out, 0x1, true, bytes, 0, bytes.length);
        out.flush();
    }

    private Socket socket() throws Exception {
        return client.get(10, TimeUnit.SECONDS);
    }

    private static void writeFrame(OutputStream out, int opcode, boolean fin, byte[] payload, int offset, int length)
            throws IOException {
        out.write((fin ? 0x80 : 0) | opcode);
        if (length < 126) {
            out.write(length);
        } else if (length < 65_536) {
            out.write(126);
            out.write(length >>> 8);
            out.write(length & 0xFF);
        } else {
            out.write(127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) length >>> shift) & 0xFF);
            }
        }
        out.write(payload, offset, length);
    }

    /** Answers the HTTP upgrade with 101. */
    private static void upgrade(Socket socket) throws IOException {
        if (!FakeWebSocketHandshake.answer(socket)) {
            throw new IOException("the client closed before its upgrade request ended");
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Socket socket = client.getNow(null);
        if (socket != null) {
            socket.close();
        }
    }
}
