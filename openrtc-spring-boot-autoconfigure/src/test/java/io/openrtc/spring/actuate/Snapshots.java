package io.openrtc.spring.actuate;

import io.openrtc.agent.JobInfo;
import io.openrtc.observe.ConnectionState;
import io.openrtc.observe.OpenRtcSnapshot;
import io.openrtc.observe.PoolSnapshot;
import io.openrtc.observe.SessionInfo;
import io.openrtc.observe.WorkerSnapshot;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Snapshots in chosen states, for the states a real worker cannot be put in on demand (a tripped supervisor). */
final class Snapshots {

    static final Instant NOW = Instant.parse("2026-01-02T10:00:30Z");
    static final Instant SINCE = Instant.parse("2026-01-02T10:00:00Z");

    private Snapshots() {
    }

    static WorkerSnapshot worker(ConnectionState state, int failedAttempts, String lastError, boolean draining) {
        return new WorkerSnapshot(state, state == ConnectionState.REGISTERED ? "AW_test" : "", lastError, failedAttempts,
                SINCE, draining, 0, List.of());
    }

    static PoolSnapshot pool(int active, boolean draining, boolean tripped) {
        List<SessionInfo> sessions = active == 0 ? List.of()
                : List.of(new SessionInfo(JobInfo.forRoom("AJ_1", "restaurant-1", "", ""), "restaurant", SINCE));
        return new PoolSnapshot("coroutine", 4, active, 0, active / 4.0, draining, tripped, tripped ? 5 : 0, false, 0,
                active == 0 ? Map.of() : Map.of("restaurant", active), sessions);
    }

    static OpenRtcSnapshot snapshot(WorkerSnapshot worker, PoolSnapshot pool, String brokenReason) {
        return new OpenRtcSnapshot(NOW, List.of("restaurant", "dental"), worker, pool, brokenReason);
    }

    static OpenRtcSnapshot registered(int active) {
        return snapshot(worker(ConnectionState.REGISTERED, 0, "", false), pool(active, false, false), "");
    }
}
