package io.openrtc.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.AgentSession;
import io.openrtc.agent.AgentSettings;
import io.openrtc.agent.JobInfo;
import io.openrtc.rtc.Room;
import io.openrtc.voice.Voice;
import io.openrtc.voice.llm.ToolCall;
import io.openrtc.voice.llm.ToolInvocation;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ToolContext;

/** A tool reads its session's tenant from its context, as it reads the caller. */
class OpenRtcToolContextTest {

    @Test
    void aToolKnowsItsSessionsTenant() {
        AgentSession session = new AgentSession() {
            public JobInfo job() {
                return JobInfo.forRoom("AJ_1", "room", "", "{\"tenant\":\"acme\"}");
            }

            public String agentName() {
                return "restaurant";
            }

            public String tenant() {
                return "acme";
            }

            public AgentSettings settings() {
                return AgentSettings.DEFAULTS;
            }

            public Room room() {
                throw new IllegalStateException();
            }

            public Voice voice() {
                throw new IllegalStateException();
            }

            public Instant startedAt() {
                return Instant.EPOCH;
            }

            public void end() {
            }

            public boolean isEnding() {
                return false;
            }

            public void addShutdownCallback(ShutdownCallback callback) {
            }
        };
        ToolInvocation invocation = new ToolInvocation() {
            public AgentSession session() {
                return session;
            }

            public ToolCall call() {
                return null;
            }

            public String participantIdentity() {
                return "caller";
            }

            public void handoff(String agentName) {
            }
        };
        ToolContext context = new ToolContext(Map.of(OpenRtcToolContext.KEY, invocation));
        assertThat(OpenRtcToolContext.tenant(context)).isEqualTo("acme");
        assertThat(OpenRtcToolContext.caller(context)).isEqualTo("caller");
    }
}
