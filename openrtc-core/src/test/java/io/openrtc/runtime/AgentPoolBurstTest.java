package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.pool.PoolOptions;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The hard admission cap with the real pool, end to end: 100 dispatches fired at once at a worker
 * with {@code max-concurrent-sessions=10}. Never more than 10 sessions run at any moment, and
 * every job LiveKit offers is either run or declined: none is lost.
 */
@LiveKitServerTest
class AgentPoolBurstTest {

    private static final int MAX = 10;
    private static final int DISPATCHES = 100;

    @Test
    void aBurstNeverOvershootsTheCapAndLosesNothing(LiveKitServer server) throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
        String agentName = "burst";
        try (AgentPool pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName(agentName)
                .joinRoom(false)
                .poolOptions(PoolOptions.builder().maxConcurrentSessions(MAX).drainTimeout(Duration.ofSeconds(5)).build())
                .add("holder", session -> {
                    maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        // Hold the slot until every dispatch has been offered or given up.
                        release.await(60, TimeUnit.SECONDS);
                    } finally {
                        running.decrementAndGet();
                    }
                })
                .listener(events::add)
                .build()) {
            pool.start();
            // The rooms exist first, with a long empty timeout, so their dispatches outlive the test.
            List<String> rooms = SimultaneousDispatches.createRooms(server, "burst", DISPATCHES, 300);
            SimultaneousDispatches.fire(server, agentName, rooms);
            await().atMost(Duration.ofSeconds(30)).until(() -> running.get() == MAX);
            // The burst is over when no offer has arrived for a while; then the slots are freed.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> quietFor(events, Duration.ofSeconds(3)));
            release.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> pool.snapshot().pool().active() == 0);

            Set<String> offered = jobIds(events, OpenRtcEvent.JobOffered.class);
            Set<String> accepted = jobIds(events, OpenRtcEvent.JobAccepted.class);
            Set<String> declined = jobIds(events, OpenRtcEvent.JobDeclined.class);
            Set<String> ended = events.stream().filter(OpenRtcEvent.SessionEnded.class::isInstance)
                    .map(e -> ((OpenRtcEvent.SessionEnded) e).session().jobId()).collect(Collectors.toSet());
            System.out.printf("[burst] offered %d, accepted %d, declined %d, ran %d, max running %d%n",
                    offered.size(), accepted.size(), declined.size(), ended.size(), maxRunning.get());

            assertThat(maxRunning.get()).isEqualTo(MAX);
            assertThat(accepted).hasSizeGreaterThanOrEqualTo(MAX);
            // None declined is possible too: once the worker reports WS_FULL at capacity, LiveKit stops offering.
            assertThat(java.util.Collections.disjoint(accepted, declined)).as("no job both accepted and declined").isTrue();
            Set<String> answered = new java.util.HashSet<>(accepted);
            answered.addAll(declined);
            assertThat(answered).as("every offer answered").isEqualTo(offered);
            assertThat(ended).as("every accepted job ran to its end").isEqualTo(accepted);
            assertThat(events.stream().filter(OpenRtcEvent.JobDeclined.class::isInstance)
                    .map(e -> ((OpenRtcEvent.JobDeclined) e).reason()).distinct())
                    .allMatch(r -> r == DeclineReason.AT_CAPACITY);
        }
    }

    private static boolean quietFor(List<OpenRtcEvent> events, Duration quiet) {
        return events.stream().filter(OpenRtcEvent.JobOffered.class::isInstance).map(OpenRtcEvent::at)
                .max(java.util.Comparator.naturalOrder())
                .map(last -> last.plus(quiet).isBefore(java.time.Instant.now())).orElse(false);
    }

    private static Set<String> jobIds(List<OpenRtcEvent> events, Class<? extends OpenRtcEvent> type) {
        return events.stream().filter(type::isInstance).map(e -> switch (e) {
            case OpenRtcEvent.JobOffered o -> o.job().jobId();
            case OpenRtcEvent.JobAccepted a -> a.job().jobId();
            case OpenRtcEvent.JobDeclined d -> d.job().jobId();
            default -> throw new IllegalArgumentException(e.toString());
        }).collect(Collectors.toSet());
    }
}
