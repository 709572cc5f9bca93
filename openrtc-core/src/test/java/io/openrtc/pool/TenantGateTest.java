package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.tenant.TenantBreakerOptions;
import io.openrtc.tenant.TenantOptions;
import io.openrtc.tenant.TenantSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Each tenant's circuit breaker (Resilience4j under the gate), on a clock the test moves:
 * OpenRTC's defaults open it when more than half of at least 5 sessions ended in the last 60 s
 * failed, keep it open for 30 s, then let 3 trial sessions decide.
 */
class TenantGateTest {

    /** A clock the test moves by hand. */
    static final class TestClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }
    }

    private final TestClock clock = new TestClock();
    private final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();

    private TenantGate gate(TenantBreakerOptions breaker) {
        return new TenantGate(TenantOptions.builder().tenant("acme", TenantSettings.UNRESTRICTED)
                .tenant("default", TenantSettings.UNRESTRICTED).breaker(breaker).build(), clock, events::add);
    }

    private SessionOutcome success() {
        return new SessionOutcome.Success(clock.instant(), clock.instant());
    }

    private SessionOutcome failure() {
        return new SessionOutcome.Failed(new IllegalStateException("bad API key"), clock.instant(), clock.instant());
    }

    /** Runs one session of {@code tenant} through the gate; false if the gate refused it. */
    private boolean session(TenantGate gate, String tenant, SessionOutcome outcome) {
        if (gate.admit(tenant) != null) {
            return false;
        }
        gate.record(tenant, outcome);
        return true;
    }

    @Test
    void moreThanHalfOfFiveSessionsFailedOpensTheBreakerForThirtySeconds() {
        TenantGate gate = gate(TenantBreakerOptions.DEFAULTS);
        assertThat(session(gate, "acme", failure())).isTrue();
        assertThat(session(gate, "acme", failure())).isTrue();
        assertThat(session(gate, "acme", success())).isTrue();
        assertThat(session(gate, "acme", success())).isTrue();
        assertThat(gate.breakers()).isEmpty();
        assertThat(session(gate, "acme", failure())).isTrue(); // 3 of 5: opens
        assertThat(gate.admit("acme")).isNotNull().extracting(TenantGate.Refusal::detail).asString()
                .contains("circuit breaker of tenant 'acme' is open");
        assertThat(gate.breakers()).containsOnlyKeys("acme");
        assertThat(events).singleElement().isInstanceOfSatisfying(OpenRtcEvent.TenantBreakerOpened.class, opened -> {
            assertThat(opened.tenant()).isEqualTo("acme");
            assertThat(opened.failureRate()).isEqualTo(0.6);
            assertThat(opened.sessions()).isEqualTo(5);
            assertThat(opened.trialAt()).isEqualTo(clock.instant().plusSeconds(30));
        });
        // Another tenant is not touched.
        assertThat(session(gate, "globex", success())).isTrue();

        clock.advance(Duration.ofSeconds(30));
        assertThat(gate.admit("acme")).isNotNull();
        clock.advance(Duration.ofMillis(1));
        // Half-open: three trial sessions, no fourth while they run.
        assertThat(gate.admit("acme")).isNull();
        assertThat(gate.admit("acme")).isNull();
        assertThat(gate.admit("acme")).isNull();
        assertThat(gate.admit("acme")).isNotNull().extracting(TenantGate.Refusal::detail).asString().contains("half-open");
        gate.record("acme", success());
        gate.record("acme", success());
        gate.record("acme", failure());
        assertThat(gate.breakers()).isEmpty();
        assertThat(events).last().isInstanceOf(OpenRtcEvent.TenantBreakerClosed.class);
        assertThat(gate.admit("acme")).isNull();
    }

    @Test
    void exactlyHalfDoesNotOpenIt() {
        TenantGate gate = gate(TenantBreakerOptions.DEFAULTS);
        for (int i = 0; i < 3; i++) {
            assertThat(session(gate, "acme", success())).isTrue();
            assertThat(session(gate, "acme", failure())).isTrue();
        }
        assertThat(gate.breakers()).as("3 of 6").isEmpty();
        assertThat(session(gate, "acme", failure())).isTrue(); // 4 of 7
        assertThat(gate.breakers()).containsOnlyKeys("acme");
    }

    @Test
    void fewerThanFiveSessionsNeverOpenItAndOldOnesLeaveTheWindow() {
        TenantGate gate = gate(TenantBreakerOptions.DEFAULTS);
        for (int i = 0; i < 4; i++) {
            assertThat(session(gate, "acme", failure())).isTrue();
        }
        assertThat(gate.breakers()).isEmpty();
        clock.advance(Duration.ofSeconds(61)); // those four are out of the window
        assertThat(session(gate, "acme", failure())).isTrue();
        assertThat(session(gate, "acme", success())).isTrue();
        assertThat(session(gate, "acme", success())).isTrue();
        assertThat(session(gate, "acme", success())).isTrue();
        assertThat(session(gate, "acme", failure())).isTrue();
        assertThat(gate.breakers()).isEmpty();
    }

    @Test
    void failedTrialsOpenItAgain() {
        TenantGate gate = gate(TenantBreakerOptions.DEFAULTS);
        for (int i = 0; i < 5; i++) {
            session(gate, "acme", failure());
        }
        clock.advance(Duration.ofMillis(30_001));
        assertThat(session(gate, "acme", failure())).isTrue();
        assertThat(session(gate, "acme", failure())).isTrue();
        assertThat(session(gate, "acme", success())).isTrue();
        assertThat(gate.admit("acme")).isNotNull().extracting(TenantGate.Refusal::detail).asString().contains("is open");
        assertThat(events).filteredOn(OpenRtcEvent.TenantBreakerOpened.class::isInstance).hasSize(2);
    }

    @Test
    void trialSessionsThatRunPastTheTrialTimeoutCloseIt() {
        TenantGate gate = gate(TenantBreakerOptions.DEFAULTS);
        for (int i = 0; i < 5; i++) {
            session(gate, "acme", failure());
        }
        clock.advance(Duration.ofMillis(30_001));
        for (int i = 0; i < 3; i++) {
            assertThat(gate.admit("acme")).isNull(); // three long calls
        }
        clock.advance(Duration.ofSeconds(9));
        assertThat(gate.admit("acme")).isNotNull();
        clock.advance(Duration.ofSeconds(1));
        assertThat(gate.admit("acme")).isNull();
        assertThat(gate.breakers()).isEmpty();
    }

    @Test
    void lostRoomsCancellationsAndLongCallsSayNothing() {
        TenantGate gate = gate(TenantBreakerOptions.DEFAULTS);
        Instant start = clock.instant();
        for (int i = 0; i < 10; i++) {
            session(gate, "acme", new SessionOutcome.Failed(new SessionFailureException(FailureSource.INFRASTRUCTURE,
                    "the room connection ended", null), start, clock.instant()));
            session(gate, "acme", new SessionOutcome.Cancelled("drain", start, clock.instant()));
        }
        clock.advance(Duration.ofMinutes(10));
        for (int i = 0; i < 10; i++) { // ten-minute calls are no slow calls
            session(gate, "acme", new SessionOutcome.Success(start, clock.instant()));
        }
        assertThat(gate.breakers()).isEmpty();
        // A worker's own failure (a child JVM that died) is one of the tenant's sessions failing.
        for (int i = 0; i < 11; i++) {
            session(gate, "acme", new SessionOutcome.Failed(new SessionFailureException(FailureSource.WORKER,
                    "the child JVM died", null), start, clock.instant()));
        }
        assertThat(gate.breakers()).containsOnlyKeys("acme");
    }

    @Test
    void theDefaultTenantHasNoBreakerAndNeitherHasAnyoneWhenSwitchedOff() {
        TenantGate gate = gate(TenantBreakerOptions.DEFAULTS);
        for (int i = 0; i < 20; i++) {
            assertThat(session(gate, "default", failure())).isTrue();
        }
        TenantGate off = gate(TenantBreakerOptions.DISABLED);
        for (int i = 0; i < 20; i++) {
            assertThat(session(off, "acme", failure())).isTrue();
        }
        assertThat(gate.breakers()).isEmpty();
        assertThat(off.breakers()).isEmpty();
    }

    @Test
    void unlistedTenantsHaveTheirOwnBreakersUpToABound() {
        TenantGate gate = gate(TenantBreakerOptions.DEFAULTS);
        for (int i = 0; i < 5; i++) {
            session(gate, "initech", failure());
        }
        assertThat(session(gate, "initech", success())).isFalse();
        assertThat(session(gate, "umbrella", success())).isTrue();
        for (int t = 0; t < TenantGate.MAX_UNLISTED + 10; t++) {
            gate.admit("tenant-" + t);
        }
        // The least recently seen unlisted breakers are forgotten; listed ones never.
        assertThat(gate.breakers()).doesNotContainKey("initech");
        for (int i = 0; i < 5; i++) {
            session(gate, "acme", failure());
        }
        for (int t = 0; t < TenantGate.MAX_UNLISTED + 10; t++) {
            gate.admit("again-" + t);
        }
        assertThat(gate.breakers()).containsKey("acme");
    }

    @Test
    void aPermissionNotUsedIsGivenBack() {
        TenantGate gate = gate(TenantBreakerOptions.DEFAULTS.withTrial(1, Duration.ofSeconds(10)));
        for (int i = 0; i < 5; i++) {
            session(gate, "acme", failure());
        }
        clock.advance(Duration.ofMillis(30_001));
        assertThat(gate.admit("acme")).isNull(); // the one trial
        assertThat(gate.admit("acme")).isNotNull();
        gate.release("acme"); // its claim was released: the next job is the trial
        assertThat(gate.admit("acme")).isNull();
    }
}
