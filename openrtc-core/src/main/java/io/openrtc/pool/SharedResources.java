package io.openrtc.pool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM-wide things a {@link Prewarm} created once, looked up by type by every session.
 * Values that are {@link AutoCloseable} are closed, in reverse order, when the pool (or session
 * host) shuts down.
 */
public final class SharedResources implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SharedResources.class);

    private final Map<Class<?>, Object> byType = new LinkedHashMap<>();

    /**
     * Registers {@code value} as the shared {@code type}.
     *
     * @throws IllegalStateException if {@code type} is already registered
     */
    public synchronized <T> void put(Class<T> type, T value) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if (byType.putIfAbsent(type, type.cast(value)) != null) {
            throw new IllegalStateException("A shared " + type.getName() + " is already registered");
        }
    }

    /** The shared {@code type}, if registered. */
    public synchronized <T> Optional<T> find(Class<T> type) {
        return Optional.ofNullable(type.cast(byType.get(type)));
    }

    /**
     * The shared {@code type}.
     *
     * @throws IllegalStateException naming the type if no prewarm registered it
     */
    public <T> T get(Class<T> type) {
        return find(type).orElseThrow(() -> new IllegalStateException(
                "No shared " + type.getName() + ": register it in the pool's Prewarm"));
    }

    /** Closes the {@link AutoCloseable} values, newest first; a failing close is logged. */
    @Override
    public synchronized void close() {
        List<Object> values = new ArrayList<>(byType.values());
        byType.clear();
        for (int i = values.size() - 1; i >= 0; i--) {
            if (values.get(i) instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    log.warn("Closing shared resource {} failed", closeable, e);
                }
            }
        }
    }
}
