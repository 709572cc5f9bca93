package io.openrtc.pool;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Length-prefixed {@link HostMessage} frames over a socket channel: four bytes of length, then
 * that many bytes of JSON. One thread may read while others write (writes are serialized).
 * Works on the channel directly: streams from {@code Channels.newInputStream} may hold a lock
 * shared by reads and writes, which would stall a write behind a blocked read.
 */
final class FrameChannel implements AutoCloseable {

    static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;

    private final SocketChannel channel;
    private final ReentrantLock writeLock = new ReentrantLock();

    FrameChannel(SocketChannel channel) {
        this.channel = channel;
    }

    void send(HostMessage message) throws IOException {
        byte[] body = HostProtocol.encode(message);
        ByteBuffer frame = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip();
        writeLock.lock();
        try {
            while (frame.hasRemaining()) {
                channel.write(frame);
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** The next message, or null when the other side closed the connection between messages. */
    HostMessage receive() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(4);
        if (!readFully(header, true)) {
            return null;
        }
        int length = header.flip().getInt();
        if (length < 0 || length > MAX_FRAME_BYTES) {
            throw new IOException("Session-host frame of " + length + " bytes; the stream is corrupt");
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        readFully(body, false);
        return HostProtocol.decode(body.array());
    }

    private boolean readFully(ByteBuffer buffer, boolean endAllowed) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                if (endAllowed && buffer.position() == 0) {
                    return false;
                }
                throw new EOFException("Session-host connection closed in the middle of a message");
            }
        }
        return true;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
