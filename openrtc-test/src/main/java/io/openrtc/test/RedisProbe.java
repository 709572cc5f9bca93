package io.openrtc.test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough of the Redis protocol (RESP2) to read what livekit-server keeps there: the
 * {@code nodes} hash (node id to a {@code livekit.Node} protobuf) and {@code room_node_map}
 * (room name to node id), see livekit-server's {@code pkg/routing/redisrouter.go}. A connection
 * per call: tests read rarely and Redis may have been restarted in between.
 */
final class RedisProbe {

    private static final int TIMEOUT_MS = 3000;

    private final String host;
    private final int port;

    RedisProbe(String address) {
        int colon = address.lastIndexOf(':');
        this.host = address.substring(0, colon);
        this.port = Integer.parseInt(address.substring(colon + 1));
    }

    /** {@code HGETALL key} as field name to raw value bytes. */
    Map<String, byte[]> hgetall(String key) throws IOException {
        Object reply = command("HGETALL", key);
        Map<String, byte[]> result = new LinkedHashMap<>();
        if (reply instanceof List<?> items) {
            for (int i = 0; i + 1 < items.size(); i += 2) {
                result.put(new String((byte[]) items.get(i), StandardCharsets.UTF_8), (byte[]) items.get(i + 1));
            }
        }
        return result;
    }

    /** Whether Redis answers {@code PING}. */
    boolean ping() {
        try {
            return "PONG".equals(command("PING"));
        } catch (IOException e) {
            return false;
        }
    }

    private Object command(String... args) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            OutputStream out = socket.getOutputStream();
            StringBuilder request = new StringBuilder().append('*').append(args.length).append("\r\n");
            for (String arg : args) {
                byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                request.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
            }
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return read(new BufferedInputStream(socket.getInputStream()));
        }
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        return switch (type) {
            case '+' -> line;
            case '-' -> throw new IOException("Redis error: " + line);
            case ':' -> Long.parseLong(line);
            case '$' -> {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    yield null;
                }
                byte[] bytes = in.readNBytes(length);
                line(in);
                yield bytes;
            }
            case '*' -> {
                int count = Integer.parseInt(line);
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    items.add(read(in));
                }
                yield items;
            }
            default -> throw new IOException("unexpected Redis reply type " + type);
        };
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\r') {
            if (b < 0) {
                throw new IOException("Redis closed the connection");
            }
            buffer.write(b);
        }
        in.read(); // '\n'
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
