package io.openrtc.spring.actuate;

import static io.openrtc.spring.actuate.Snapshots.pool;
import static io.openrtc.spring.actuate.Snapshots.snapshot;
import static io.openrtc.spring.actuate.Snapshots.worker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.PoolSnapshot;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * The mapping from snapshot to health, state by state. The same states reached by a real
 * worker (registered, refused connection, drain) are in {@link OpenRtcActuatorLiveKitTest} and
 * {@link OpenRtcActuateAutoConfigurationTest}; a tripped supervisor is only reachable here.
 */
class OpenRtcHealthIndicatorTest {

    @Test
    void registeredIsUpWithTheWorkerAndItsSessions() {
        Health health = OpenRtcHealthIndicator.health(Snapshots.registered(1));
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("workerId", "AW_test")
                .containsEntry("connection", "REGISTERED")
                .containsEntry("activeSessions", 1)
                .containsEntry("maxConcurrentSessions", 4)
                .containsEntry("load", 0.25)
                .containsEntry("draining", false)
                .containsEntry("agents", java.util.List.of("restaurant", "dental"))
                .doesNotContainKeys("reason", "lastError", "reconnectAttempts");
    }

    @Test
    void disconnectedIsDownWithTheLastErrorTheAttemptsAndSinceWhen() {
        Health health = OpenRtcHealthIndicator.health(snapshot(
                worker(ConnectionState.DISCONNECTED, 3, "connection refused", false), pool(0, false, false), ""));
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("lastError", "connection refused")
                .containsEntry("reconnectAttempts", 3)
                .containsEntry("since", Snapshots.SINCE.toString())
                .containsEntry("reason", "disconnected from LiveKit; retrying");
    }

    @Test
    void reconnectingIsDown() {
        Health health = OpenRtcHealthIndicator.health(snapshot(
                worker(ConnectionState.CONNECTING, 1, "socket closed", false), pool(0, false, false), ""));
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("reason", "reconnecting to LiveKit");
    }

    @Test
    void drainingIsOutOfServiceEvenOnceTheSocketIsClosed() {
        assertThat(OpenRtcHealthIndicator.health(snapshot(worker(ConnectionState.REGISTERED, 0, "", true),
                pool(1, true, false), "")).getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
        assertThat(OpenRtcHealthIndicator.health(snapshot(worker(ConnectionState.STOPPED, 0, "", true),
                pool(0, true, false), "")).getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    }

    @Test
    void brokenIsDownEvenWhileRegisteredAndDraining() {
        Health health = OpenRtcHealthIndicator.health(snapshot(worker(ConnectionState.REGISTERED, 0, "", true),
                pool(0, true, true), "supervisor tripped: 5 sessions failed in a row"));
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) health.getDetails().get("reason")).contains("supervisor tripped: 5 sessions failed in a row")
                .contains("must be restarted");
    }

    @Test
    void aTrippedSupervisorIsDownBeforeTheRuntimeDeclaresItself() {
        Health health = OpenRtcHealthIndicator.health(snapshot(worker(ConnectionState.REGISTERED, 0, "", false),
                pool(0, false, true), ""));
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) health.getDetails().get("reason")).contains("5 sessions in a row failed by the worker's own fault");
    }

    @Test
    void anAgentOutOfServiceIsADetailWhileTheWorkerStaysUp() {
        PoolSnapshot base = pool(1, false, false);
        PoolSnapshot pool = new PoolSnapshot(base.isolation(), base.maxConcurrentSessions(), base.active(), base.reserved(),
                base.load(), false, false, 0, false, 0, base.activeByAgent(), base.sessions(),
                Map.of("dental", "5 sessions failed in a row (openrtc.consecutive-failure-limit is 5)"), 0);
        Health health = OpenRtcHealthIndicator.health(snapshot(worker(ConnectionState.REGISTERED, 0, "", false), pool, ""));
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails().get("unhealthyAgents")).isEqualTo(
                Map.of("dental", "5 sessions failed in a row (openrtc.consecutive-failure-limit is 5)"));
        assertThat(OpenRtcHealthIndicator.health(Snapshots.registered(1)).getDetails()).doesNotContainKey("unhealthyAgents");
    }

    @Test
    void theEndpointStatusDescribesTheSameSnapshot() {
        OpenRtcStatus status = OpenRtcStatus.of(Snapshots.registered(1));
        assertThat(status.workerId()).isEqualTo("AW_test");
        assertThat(status.connection()).isEqualTo("REGISTERED");
        assertThat(status.isolation()).isEqualTo("coroutine");
        assertThat(status.load()).isEqualTo(0.25);
        assertThat(status.maxConcurrentSessions()).isEqualTo(4);
        assertThat(status.activeSessions()).isEqualTo(1);
        assertThat(status.agents()).extracting(OpenRtcStatus.AgentStatus::name, OpenRtcStatus.AgentStatus::activeSessions)
                .containsExactly(tuple("restaurant", 1), tuple("dental", 0));
        assertThat(status.agents().getFirst().voice().turns()).isZero();
        assertThat(status.agents().getFirst().voice().meanResponseSeconds()).isNull();
        assertThat(status.sessions()).containsExactly(new OpenRtcStatus.RunningSession("restaurant", "default",
                "restaurant-1", "AJ_1", Snapshots.SINCE.toString(), 30.0));
        assertThat(status.tenants()).containsExactly(new OpenRtcStatus.TenantStatus("default", 1, null));
    }
}
