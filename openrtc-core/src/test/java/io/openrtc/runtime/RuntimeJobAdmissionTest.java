package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.AgentProvider;
import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.JobInfo;
import io.openrtc.observe.DeclineReason;
import io.openrtc.pool.PoolOptions;
import io.openrtc.pool.SessionPool;
import io.openrtc.routing.AgentRouter;
import io.openrtc.routing.RequestFilter;
import io.openrtc.routing.RouteDecision;
import io.openrtc.routing.RouteSignal;
import io.openrtc.routing.RoutingOptions;
import io.openrtc.routing.RoutingStrategy;
import io.openrtc.worker.Admission;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How an offer is decided when user code is slow: offers are routed side by side (only the slot's
 * reservation is atomic), and user strategies and the request filter are bounded by time and
 * interrupted past it. LiveKit waits about 3 s for each answer and does not ask again; the same
 * against a real server is in {@link AgentPoolRequestFilterTest}.
 */
class RuntimeJobAdmissionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final AgentRegistry agents = AgentRegistry.of(List.of(
            new AgentRegistration("restaurant", AgentProvider.singleton(session -> { }), null)));
    private final SessionPool pool = SessionPool.builder(PoolOptions.builder().drainTimeout(Duration.ZERO).build(),
            (request, control) -> { }).start();

    @AfterEach
    void closePool() {
        pool.close();
    }

    private RuntimeJobAdmission admission(RoutingStrategy strategy, Duration strategyTimeout, RequestFilter filter) {
        AgentRouter router = new AgentRouter(agents, List.of(strategy),
                RoutingOptions.defaults().withStrategyTimeout(strategyTimeout));
        return new RuntimeJobAdmission(filter, Duration.ofMillis(300), router, pool);
    }

    private static JobInfo job(String room) {
        return JobInfo.forRoom("AJ_" + room, room, "", "");
    }

    private static void release(Admission admission) {
        if (admission instanceof Admission.Accepted accepted) {
            accepted.claim().release();
        }
    }

    @Test
    void theWarmUpBeforeRegisteringCallsNoUserCodeAndHoldsNothing() {
        java.util.concurrent.atomic.AtomicInteger userCalls = new java.util.concurrent.atomic.AtomicInteger();
        RoutingStrategy strategy = (job, registered) -> {
            userCalls.incrementAndGet();
            return RouteDecision.NO_MATCH;
        };
        RequestFilter filter = job -> {
            userCalls.incrementAndGet();
            return true;
        };
        AgentRouter router = new AgentRouter(agents, List.of(strategy), RoutingOptions.defaults());
        RuntimeJobAdmission admission = new RuntimeJobAdmission(filter, Duration.ofMillis(300), router, pool);

        admission.warmUp();

        assertThat(userCalls).hasValue(0);
        assertThat(pool.snapshot().active()).isZero();
        assertThat(pool.snapshot().reserved()).isZero();
        assertThat(router.invalidMetadata(RouteSignal.JOB_METADATA) + router.invalidMetadata(RouteSignal.ROOM_METADATA)).isZero();
        // The whole capacity is still there: as many claims as the pool holds slots.
        int slots = pool.snapshot().maxConcurrentSessions();
        List<Admission> claims = java.util.stream.IntStream.range(0, slots).mapToObj(i -> admission.admit(job("after-" + i))).toList();
        assertThat(claims).allMatch(Admission.Accepted.class::isInstance);
        claims.forEach(RuntimeJobAdmissionTest::release);
    }

    @Test
    void aStrategyThatTakesItsTimeForOneOfferDoesNotHoldUpTheOthers() throws Exception {
        CountDownLatch slowEntered = new CountDownLatch(1);
        CountDownLatch letSlowAnswer = new CountDownLatch(1);
        RoutingStrategy lookup = (job, registered) -> {
            if (job.roomName().startsWith("slow")) {
                slowEntered.countDown();
                try {
                    letSlowAnswer.await(); // a lookup that takes its time, within its limit
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return RouteDecision.NO_MATCH;
        };
        RuntimeJobAdmission admission = admission(lookup, Duration.ofSeconds(2), null);

        CompletableFuture<Admission> slow = CompletableFuture.supplyAsync(() -> admission.admit(job("slow-1")),
                r -> Thread.ofVirtual().start(r));
        assertThat(slowEntered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Admission> fast = CompletableFuture.supplyAsync(() -> admission.admit(job("fast-1")),
                r -> Thread.ofVirtual().start(r));
        // Decided while the slow one is still being routed.
        Admission fastAdmission = fast.get(1, TimeUnit.SECONDS);
        assertThat(fastAdmission).isInstanceOf(Admission.Accepted.class);
        assertThat(slow).isNotDone();

        letSlowAnswer.countDown();
        Admission slowAdmission = slow.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(slowAdmission).isInstanceOf(Admission.Accepted.class);
        release(fastAdmission);
        release(slowAdmission);
    }

    @Test
    void aStrategyPastItsTimeLimitIsInterruptedAndItsJobDeclined() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        RoutingStrategy stuck = (job, registered) -> {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return new RouteDecision.Matched("restaurant", RouteSignal.CUSTOM);
        };
        RuntimeJobAdmission admission = admission(stuck, Duration.ofMillis(200), null);

        long start = System.nanoTime();
        Admission result = admission.admit(job("any-1"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(result).isInstanceOfSatisfying(Admission.Declined.class, d -> {
            assertThat(d.reason()).isEqualTo(DeclineReason.ERROR);
            assertThat(d.detail()).contains("openrtc.routing.strategy-timeout");
        });
        assertThat(interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the strategy's thread was interrupted").isTrue();
    }

    @Test
    void aRequestFilterPastItsTimeLimitIsInterrupted() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        RequestFilter stuck = job -> {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return true;
        };
        RuntimeJobAdmission admission = admission((job, registered) -> RouteDecision.NO_MATCH, Duration.ofMillis(500), stuck);

        assertThat(admission.admit(job("any-2"))).isInstanceOfSatisfying(Admission.Declined.class, d -> {
            assertThat(d.reason()).isEqualTo(DeclineReason.FILTERED);
            assertThat(d.detail()).contains("openrtc.routing.request-filter-timeout");
        });
        assertThat(interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the filter's thread was interrupted").isTrue();
    }
}
