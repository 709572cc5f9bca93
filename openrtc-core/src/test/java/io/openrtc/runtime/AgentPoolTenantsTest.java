package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.DeclineReason;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.pool.PoolOptions;
import io.openrtc.tenant.TenantBreakerOptions;
import io.openrtc.tenant.TenantOptions;
import io.openrtc.tenant.TenantSettings;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Tenants against a real livekit-server.
 *
 * <p>Caps: two tenants with caps of 2 and 5 get a burst of 20 dispatches each, at once. The
 * agents themselves count how many of their tenant's sessions run at a time: never more than the
 * cap. LiveKit (v1.13.5, open source) does not offer a declined job again: it tries the other
 * workers of the agent name, and with none left the job is dropped ({@code AgentHandler.JobRequest}
 * answers "no worker available"; no re-dispatch). So the test does what a front end must do, and
 * dispatches a room again when its job was declined for its tenant's cap, until every room's call
 * ran, exactly once.
 *
 * <p>Breaker: the sessions of one tenant fail until its breaker opens; its jobs are then declined
 * while another tenant's, served by the same agent, keep running; once the tenant's calls work
 * again, its trial sessions close the breaker.
 */
@LiveKitServerTest
class AgentPoolTenantsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();

    @Test
    void aBurstOfTwoTenantsNeverRunsMoreThanEachOnesCapAndLosesNoCall(LiveKitServer server) throws Exception {
        Map<String, Integer> caps = Map.of("acme", 2, "globex", 5);
        Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> maxRunning = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> runsByRoom = new ConcurrentHashMap<>();
        Map<String, String> tenantByRoom = new ConcurrentHashMap<>();
        String agentName = "tenants-burst";
        TenantOptions tenants = TenantOptions.builder()
                .tenant("acme", TenantSettings.UNRESTRICTED.withMaxConcurrentSessions(caps.get("acme")))
                .tenant("globex", TenantSettings.UNRESTRICTED.withMaxConcurrentSessions(caps.get("globex")))
                .build();
        try (AgentPool pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName(agentName)
                .joinRoom(false)
                .tenants(tenants)
                .poolOptions(PoolOptions.builder().maxConcurrentSessions(50).drainTimeout(Duration.ofSeconds(5)).build())
                .add("holder", session -> {
                    String tenant = session.tenant();
                    int now = running.computeIfAbsent(tenant, t -> new AtomicInteger()).incrementAndGet();
                    maxRunning.computeIfAbsent(tenant, t -> new AtomicInteger()).accumulateAndGet(now, Math::max);
                    runsByRoom.computeIfAbsent(session.roomName(), r -> new AtomicInteger()).incrementAndGet();
                    tenantByRoom.put(session.roomName(), tenant);
                    try {
                        Thread.sleep(300); // a short call, so the tenant's slots turn over
                    } finally {
                        running.get(tenant).decrementAndGet();
                    }
                })
                .listener(events::add)
                .build()) {
            pool.start();
            // The worker takes jobs (past LiveKit's registration race) before the burst.
            String warmUp = Dispatches.dispatchUntilAccepted(server, agentName, "", room -> endedIn(room) > 0);
            runsByRoom.remove(warmUp);
            running.clear();
            maxRunning.clear();

            Map<String, String> rooms = new LinkedHashMap<>(); // room -> tenant
            for (String tenant : caps.keySet()) {
                for (String room : SimultaneousDispatches.createRooms(server, "tenant-" + tenant, 20, 300)) {
                    rooms.put(room, tenant);
                }
            }
            Instant burst = Instant.now();
            List<Thread> firing = new ArrayList<>();
            rooms.forEach((room, tenant) -> firing.add(Thread.ofVirtual().start(() -> dispatch(server, agentName, room, tenant))));
            for (Thread thread : firing) {
                thread.join(WAIT);
            }

            // A front end's retry: a room whose latest job was declined is dispatched again.
            Map<String, Integer> redispatched = new HashMap<>();
            Instant deadline = Instant.now().plus(WAIT);
            while (!runsByRoom.keySet().containsAll(rooms.keySet()) || pool.snapshot().pool().active() > 0) {
                assertThat(Instant.now()).as("every room served before the deadline; served %d of %d",
                        runsByRoom.size(), rooms.size()).isBefore(deadline);
                for (Map.Entry<String, String> room : rooms.entrySet()) {
                    int declines = declinedIn(room.getKey());
                    if (declines > redispatched.getOrDefault(room.getKey(), 0) && !runsByRoom.containsKey(room.getKey())) {
                        redispatched.put(room.getKey(), declines);
                        dispatch(server, agentName, room.getKey(), room.getValue());
                    }
                }
                Thread.sleep(150);
            }
            Duration took = Duration.between(burst, Instant.now());

            List<OpenRtcEvent.JobDeclined> declines = events.stream().filter(OpenRtcEvent.JobDeclined.class::isInstance)
                    .map(OpenRtcEvent.JobDeclined.class::cast).filter(d -> rooms.containsKey(d.job().roomName())).toList();
            Map<String, Long> declinedByTenant = declines.stream()
                    .collect(Collectors.groupingBy(OpenRtcEvent.JobDeclined::tenant, Collectors.counting()));
            System.out.printf("[tenants] 40 calls served in %d ms; max running %s; declined %s; redispatched %d%n",
                    took.toMillis(), maxRunning, declinedByTenant, redispatched.values().stream().mapToInt(i -> i).sum());

            caps.forEach((tenant, cap) -> assertThat(maxRunning.get(tenant)).as("most sessions of %s at once", tenant)
                    .hasValue(cap));
            assertThat(runsByRoom.keySet()).as("every room's call ran").containsAll(rooms.keySet());
            assertThat(runsByRoom).allSatisfy((room, runs) -> assertThat(runs).as("runs of %s", room).hasValue(1));
            assertThat(tenantByRoom).containsAllEntriesOf(rooms);
            assertThat(declines).as("over its cap, a tenant's jobs are declined").isNotEmpty().allSatisfy(d -> {
                assertThat(d.reason()).isEqualTo(DeclineReason.TENANT_AT_CAPACITY);
                assertThat(d.tenant()).isEqualTo(rooms.get(d.job().roomName()));
                assertThat(d.detail()).contains("tenant '" + d.tenant() + "'", "max-concurrent-sessions");
            });
            assertThat(declinedByTenant.get("acme")).isGreaterThanOrEqualTo(18);
            // The session events name the tenant.
            assertThat(events.stream().filter(OpenRtcEvent.SessionEnded.class::isInstance).map(OpenRtcEvent.SessionEnded.class::cast)
                    .filter(e -> rooms.containsKey(e.session().roomName())))
                    .hasSize(rooms.size())
                    .allSatisfy(e -> {
                        assertThat(e.session().tenant()).isEqualTo(rooms.get(e.session().roomName()));
                        assertThat(e.outcome()).isInstanceOf(SessionOutcome.Success.class);
                    });
            assertThat(events.stream().filter(OpenRtcEvent.SessionRunning.class::isInstance).map(OpenRtcEvent.SessionRunning.class::cast)
                    .filter(e -> rooms.containsKey(e.session().roomName())))
                    .allSatisfy(e -> assertThat(e.session().tenant()).isEqualTo(rooms.get(e.session().roomName())));
        }
    }

    @Test
    void anOpenBreakerDeclinesOneTenantWhileTheOtherKeepsServing(LiveKitServer server) throws Exception {
        AtomicBoolean flakyBroken = new AtomicBoolean(true);
        String agentName = "tenants-breaker";
        try (AgentPool pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName(agentName)
                .joinRoom(false)
                .tenants(TenantOptions.builder()
                        .breaker(TenantBreakerOptions.DEFAULTS.withOpenFor(Duration.ofSeconds(3)))
                        .build())
                // One agent serves both tenants; its failures must not take it out of service here.
                .poolOptions(PoolOptions.builder().consecutiveFailureLimit(100).drainTimeout(Duration.ofSeconds(5)).build())
                .add("shared", session -> {
                    if (session.tenant().equals("flaky") && flakyBroken.get()) {
                        throw new IllegalStateException("tenant flaky's API key was revoked");
                    }
                    Thread.sleep(100);
                })
                .listener(events::add)
                .build()) {
            pool.start();
            for (int i = 0; i < 5; i++) {
                String room = Dispatches.dispatchUntilAccepted(server, agentName, "{\"tenant\":\"flaky\"}",
                        r -> endedIn(r) > 0);
                assertThat(outcome(room)).isInstanceOf(SessionOutcome.Failed.class);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> events.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.TenantBreakerOpened opened && opened.tenant().equals("flaky")));
            assertThat(pool.snapshot().pool().tenantBreakers()).containsOnlyKeys("flaky");

            String declined = Dispatches.dispatchUntilAccepted(server, agentName, "{\"tenant\":\"flaky\"}",
                    r -> declinedIn(r) > 0);
            OpenRtcEvent.JobDeclined decline = declineOf(declined);
            assertThat(decline.reason()).isEqualTo(DeclineReason.TENANT_BREAKER_OPEN);
            assertThat(decline.tenant()).isEqualTo("flaky");
            assertThat(decline.detail()).contains("circuit breaker of tenant 'flaky' is open");
            for (int i = 0; i < 3; i++) {
                String served = Dispatches.dispatchUntilAccepted(server, agentName, "{\"tenant\":\"steady\"}",
                        r -> endedIn(r) > 0);
                assertThat(outcome(served)).isInstanceOf(SessionOutcome.Success.class);
            }

            // The tenant's keys work again: after open-for, its trial sessions close the breaker.
            flakyBroken.set(false);
            Thread.sleep(3_100);
            for (int i = 0; i < 3; i++) {
                String trial = Dispatches.dispatchUntilAccepted(server, agentName, "{\"tenant\":\"flaky\"}",
                        r -> endedIn(r) > 0);
                assertThat(outcome(trial)).isInstanceOf(SessionOutcome.Success.class);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> events.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.TenantBreakerClosed closed && closed.tenant().equals("flaky")));
            assertThat(pool.snapshot().pool().tenantBreakers()).isEmpty();
            String again = Dispatches.dispatchUntilAccepted(server, agentName, "{\"tenant\":\"flaky\"}", r -> endedIn(r) > 0);
            assertThat(outcome(again)).isInstanceOf(SessionOutcome.Success.class);
        }
    }

    private static void dispatch(LiveKitServer server, String agentName, String room, String tenant) {
        try {
            var response = server.agentDispatch().createDispatch(room, agentName, "{\"tenant\":\"" + tenant + "\"}").execute();
            if (!response.isSuccessful()) {
                throw new IllegalStateException("CreateDispatch failed: HTTP " + response.code());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private int endedIn(String room) {
        return (int) events.stream().filter(e -> e instanceof OpenRtcEvent.SessionEnded ended
                && ended.session().roomName().equals(room)).count();
    }

    private int declinedIn(String room) {
        return (int) events.stream().filter(e -> e instanceof OpenRtcEvent.JobDeclined declined
                && declined.job().roomName().equals(room)).count();
    }

    private SessionOutcome outcome(String room) {
        return events.stream().filter(e -> e instanceof OpenRtcEvent.SessionEnded ended && ended.session().roomName().equals(room))
                .map(e -> ((OpenRtcEvent.SessionEnded) e).outcome()).findFirst().orElseThrow();
    }

    private OpenRtcEvent.JobDeclined declineOf(String room) {
        return events.stream().filter(e -> e instanceof OpenRtcEvent.JobDeclined d && d.job().roomName().equals(room))
                .map(OpenRtcEvent.JobDeclined.class::cast).findFirst().orElseThrow();
    }
}
