package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.pool.PoolOptions;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A request filter is user code that may take its time (up to
 * {@code openrtc.routing.request-filter-timeout}). Against the real server: jobs offered at the
 * same moment are decided side by side, so a slow filter costs each job its own time and not the
 * sum of all, and LiveKit's ~3 s answer budget holds for every one of them. A routing strategy
 * stuck on one job costs that job alone: the others are routed side by side, and the stuck one is
 * declined at {@code openrtc.routing.strategy-timeout} and its thread interrupted.
 */
@LiveKitServerTest
class AgentPoolRequestFilterTest {

    private static final int DISPATCHES = 10;
    private static final Duration FILTER_TIME = Duration.ofMillis(500);

    @Test
    void concurrentOffersAreFilteredSideBySideAndNoneIsLost(LiveKitServer server) throws Exception {
        List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
        String agentName = "filtered";
        try (AgentPool pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName(agentName)
                .joinRoom(false)
                .poolOptions(PoolOptions.builder().maxConcurrentSessions(2 * DISPATCHES).drainTimeout(Duration.ofSeconds(5))
                        .build())
                .requestFilter(job -> {
                    try {
                        Thread.sleep(FILTER_TIME); // a filter that asks something slow, well within its timeout
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                    return true;
                }, Duration.ofSeconds(2))
                .add("quick", session -> {
                })
                .listener(events::add)
                .build()) {
            pool.start();
            // One job first, so the burst does not race LiveKit's registration of the worker.
            String warmUp = Dispatches.dispatchUntilAccepted(server, agentName, "", room -> ran(events, room));

            List<String> rooms = SimultaneousDispatches.createRooms(server, "filtered", DISPATCHES, 120);
            SimultaneousDispatches.fire(server, agentName, rooms);
            await().atMost(Duration.ofSeconds(30)).until(() -> accepted(events).size() == DISPATCHES + 1);
            // Every accepted job must get LiveKit's assignment and run; a job answered after
            // LiveKit gave up on it would be accepted here and never assigned.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(rooms).allSatisfy(room -> assertThat(ran(events, room)).as("a session ran for " + room).isTrue()));
            assertThat(ran(events, warmUp)).isTrue();
            Set<String> declined = events.stream().filter(OpenRtcEvent.JobDeclined.class::isInstance)
                    .map(e -> ((OpenRtcEvent.JobDeclined) e).job().roomName()).collect(Collectors.toSet());
            assertThat(java.util.Collections.disjoint(declined, rooms)).as("no burst job declined").isTrue();
        }
    }

    @Test
    void aRoutingStrategyStuckOnOneJobCostsThatJobAloneAndIsInterrupted(LiveKitServer server) throws Exception {
        List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch interrupted = new java.util.concurrent.CountDownLatch(1);
        String agentName = "routed";
        try (AgentPool pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName(agentName)
                .joinRoom(false)
                .poolOptions(PoolOptions.builder().maxConcurrentSessions(2 * DISPATCHES).drainTimeout(Duration.ofSeconds(5))
                        .build())
                .routingStrategy((job, agents) -> {
                    if (job.roomName().startsWith("stuck")) {
                        try {
                            Thread.sleep(Long.MAX_VALUE); // a lookup that never answers
                        } catch (InterruptedException e) {
                            interrupted.countDown();
                        }
                    }
                    return io.openrtc.routing.RouteDecision.NO_MATCH;
                })
                .routingStrategyTimeout(Duration.ofMillis(500))
                .add("quick", session -> {
                })
                .listener(events::add)
                .build()) {
            pool.start();
            String warmUp = Dispatches.dispatchUntilAccepted(server, agentName, "", room -> ran(events, room));

            List<String> stuck = SimultaneousDispatches.createRooms(server, "stuck", 1, 120);
            List<String> rooms = SimultaneousDispatches.createRooms(server, "routed", DISPATCHES, 120);
            List<String> all = new java.util.ArrayList<>(stuck);
            all.addAll(rooms);
            SimultaneousDispatches.fire(server, agentName, all);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(rooms).allSatisfy(room -> assertThat(ran(events, room)).as("a session ran for " + room).isTrue()));
            await().atMost(Duration.ofSeconds(30)).until(() -> events.stream().anyMatch(e -> e instanceof OpenRtcEvent.JobDeclined d
                    && d.job().roomName().equals(stuck.getFirst())
                    && d.reason() == io.openrtc.observe.DeclineReason.ERROR
                    && d.detail().contains("openrtc.routing.strategy-timeout")));
            assertThat(interrupted.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the stuck strategy was interrupted").isTrue();
            assertThat(ran(events, warmUp)).isTrue();
        }
    }

    private static boolean ran(List<OpenRtcEvent> events, String room) {
        return events.stream().anyMatch(e -> e instanceof OpenRtcEvent.SessionEnded s && s.session().roomName().equals(room)
                && s.outcome() instanceof SessionOutcome.Success);
    }

    private static Set<String> accepted(List<OpenRtcEvent> events) {
        return events.stream().filter(OpenRtcEvent.JobAccepted.class::isInstance)
                .map(e -> ((OpenRtcEvent.JobAccepted) e).job().jobId()).collect(Collectors.toSet());
    }
}
