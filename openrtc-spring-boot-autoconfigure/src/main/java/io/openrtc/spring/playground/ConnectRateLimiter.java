package io.openrtc.spring.playground;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Sliding one-minute windows: at most {@code perClient} connects per client address, and
 * {@code 5 × perClient} for the whole application.
 */
final class ConnectRateLimiter {

    private static final long WINDOW_MILLIS = 60_000;

    private final int perClient;
    private final int total;
    private final Clock clock;
    private final Map<String, Deque<Long>> byClient = new HashMap<>();
    private final Deque<Long> all = new ArrayDeque<>();

    ConnectRateLimiter(int perClient, Clock clock) {
        this.perClient = perClient;
        this.total = perClient * 5;
        this.clock = clock;
    }

    /** Records a connect for {@code client} and says whether it is within the limits. */
    synchronized boolean tryAcquire(String client) {
        long now = clock.millis();
        evict(all, now);
        byClient.values().forEach(q -> evict(q, now));
        byClient.values().removeIf(Deque::isEmpty);
        Deque<Long> mine = byClient.computeIfAbsent(client, c -> new ArrayDeque<>());
        if (mine.size() >= perClient || all.size() >= total) {
            return false;
        }
        mine.addLast(now);
        all.addLast(now);
        return true;
    }

    private static void evict(Deque<Long> times, long now) {
        while (!times.isEmpty() && now - times.peekFirst() >= WINDOW_MILLIS) {
            times.removeFirst();
        }
    }
}
