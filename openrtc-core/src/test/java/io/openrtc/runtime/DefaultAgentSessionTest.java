package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openrtc.agent.AgentSettings;
import io.openrtc.agent.JobInfo;
import io.openrtc.rtc.CloseReason;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DefaultAgentSessionTest {

    private final JobInfo job = JobInfo.forRoom("AJ_session", "room-session", "", "");

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void aRoomThatClosesBeforeTheAgentsCodeStartsStillEndsItsBlockingWait() {
        DefaultAgentSession session = new DefaultAgentSession(job, "waiting", AgentSettings.DEFAULTS, null, Instant.now(),
                Thread.currentThread());
        // The room ends in the instant between the join and the start of the agent's code...
        session.roomClosed(new CloseReason(CloseReason.Cause.ROOM_DELETED, ""));
        assertThat(Thread.currentThread().isInterrupted()).as("nothing to interrupt yet").isFalse();
        session.agentRunning(true);
        // ...so the agent's first blocking call (the sample agents sleep out their session) returns at
        // once rather than after its full length (bounded here; a real session would wait minutes).
        assertThatThrownBy(() -> Thread.sleep(Duration.ofSeconds(15))).isInstanceOf(InterruptedException.class);
        assertThat(session.isEnding()).isTrue();
    }

    @Test
    void endWhileTheAgentRunsInterruptsItAndEndAfterItReturnedDoesNot() {
        DefaultAgentSession session = new DefaultAgentSession(job, "waiting", AgentSettings.DEFAULTS, null, Instant.now(),
                Thread.currentThread());
        session.agentRunning(true);
        session.agentRunning(false);
        session.end();
        assertThat(Thread.currentThread().isInterrupted()).as("the cleanup after the agent is not interrupted").isFalse();
    }
}
