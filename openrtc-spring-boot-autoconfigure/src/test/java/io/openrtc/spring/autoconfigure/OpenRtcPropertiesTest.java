package io.openrtc.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.util.unit.DataSize;

class OpenRtcPropertiesTest {

    @AgentConfig
    static class EchoAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(OpenRtcAutoConfiguration.class))
            .withUserConfiguration(EchoAgent.class);

    private final ApplicationContextRunner withCredentials = runner.withPropertyValues(
            "openrtc.livekit.url=wss://example.livekit.cloud", "openrtc.livekit.api-key=key", "openrtc.livekit.api-secret=secret");

    @Test
    void defaultsMatchTheDocumentation() {
        withCredentials.run(context -> {
            OpenRtcProperties p = context.getBean(OpenRtcProperties.class);
            assertThat(p.enabled()).isTrue();
            assertThat(p.agentName()).isEmpty();
            assertThat(p.jobType()).isEqualTo(OpenRtcProperties.JobTypeSetting.ROOM);
            assertThat(p.isolation()).isEqualTo(OpenRtcProperties.Isolation.COROUTINE);
            assertThat(p.maxConcurrentSessions()).isEqualTo(50);
            assertThat(p.loadThreshold()).isEqualTo(0.7);
            assertThat(p.consecutiveFailureLimit()).isEqualTo(5);
            assertThat(p.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(p.memory().warn()).isNull();
            assertThat(p.memory().limit()).isNull();
            assertThat(p.routing().acceptOnlyRegisteredRooms()).isFalse();
            assertThat(p.routing().defaultAgent()).isEmpty();
            assertThat(p.routing().strategyTimeout()).isEqualTo(Duration.ofMillis(500));
            assertThat(p.agentRetryAfter()).isEqualTo(Duration.ofMinutes(1));
            assertThat(p.process().idleProcesses()).isEqualTo(1);
            assertThat(p.process().memoryLimit()).isEqualTo(DataSize.ofMegabytes(512));
            assertThat(p.process().jvmArgs()).isEmpty();
        });
    }

    @Test
    void bindsEveryProperty() {
        withCredentials.withPropertyValues("openrtc.agent-name=support", "openrtc.job-type=participant",
                "openrtc.isolation=process", "openrtc.max-concurrent-sessions=10", "openrtc.load-threshold=0.5",
                "openrtc.consecutive-failure-limit=3", "openrtc.drain-timeout=2m", "openrtc.memory.warn=1GB",
                "openrtc.memory.limit=2GB", "openrtc.routing.accept-only-registered-rooms=true",
                "openrtc.routing.request-filter-timeout=250ms", "openrtc.process.idle-processes=3",
                "openrtc.process.memory-limit=256MB", "openrtc.process.jvm-args=-XX:+UseSerialGC,-Xss512k").run(context -> {
            OpenRtcProperties p = context.getBean(OpenRtcProperties.class);
            assertThat(p.agentName()).isEqualTo("support");
            assertThat(p.jobType()).isEqualTo(OpenRtcProperties.JobTypeSetting.PARTICIPANT);
            assertThat(p.isolation()).isEqualTo(OpenRtcProperties.Isolation.PROCESS);
            assertThat(p.maxConcurrentSessions()).isEqualTo(10);
            assertThat(p.loadThreshold()).isEqualTo(0.5);
            assertThat(p.consecutiveFailureLimit()).isEqualTo(3);
            assertThat(p.drainTimeout()).isEqualTo(Duration.ofMinutes(2));
            assertThat(p.memory().warn()).isEqualTo(DataSize.ofGigabytes(1));
            assertThat(p.memory().limit()).isEqualTo(DataSize.ofGigabytes(2));
            assertThat(p.routing().acceptOnlyRegisteredRooms()).isTrue();
            assertThat(p.routing().requestFilterTimeout()).isEqualTo(Duration.ofMillis(250));
            assertThat(p.process().idleProcesses()).isEqualTo(3);
            assertThat(p.process().memoryLimit()).isEqualTo(DataSize.ofMegabytes(256));
            assertThat(p.process().jvmArgs()).containsExactly("-XX:+UseSerialGC", "-Xss512k");
        });
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "openrtc.max-concurrent-sessions | 0      | openrtc.max-concurrent-sessions must be at least 1, was 0",
            "openrtc.load-threshold          | 1.5    | openrtc.load-threshold must be in (0, 1]",
            "openrtc.load-threshold          | 0      | openrtc.load-threshold must be in (0, 1]",
            "openrtc.consecutive-failure-limit | 0    | openrtc.consecutive-failure-limit must be at least 1",
            "openrtc.drain-timeout           | -1s    | openrtc.drain-timeout must not be negative",
            "openrtc.process.idle-processes  | -1     | openrtc.process.idle-processes must not be negative",
            "openrtc.process.memory-limit    | 10MB   | openrtc.process.memory-limit must be at least 64MB",
            "openrtc.routing.request-filter-timeout | 5s | openrtc.routing.request-filter-timeout must be between 1ms and 2s",
            "openrtc.routing.strategy-timeout | 0ms | openrtc.routing.strategy-timeout must be between 1ms and 2s",
            "openrtc.agent-retry-after       | 0s     | openrtc.agent-retry-after must be positive",
            "openrtc.memory.warn             | 0B     | openrtc.memory.warn must be positive"})
    void rejectsABadValueNamingTheProperty(String property, String value, String message) {
        withCredentials.withPropertyValues(property + "=" + value)
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining(message));
    }

    @Test
    void rejectsAWarningWatermarkAboveTheLimit() {
        withCredentials.withPropertyValues("openrtc.memory.warn=2GB", "openrtc.memory.limit=1GB")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("openrtc.memory.warn (2GB) must be below openrtc.memory.limit (1GB)"));
    }

    @Test
    void rejectsAnUnknownIsolationListingTheAllowedValues() {
        withCredentials.withPropertyValues("openrtc.isolation=threads").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("openrtc.isolation")
                    .hasStackTraceContaining("threads");
        });
    }

    @Test
    void fallsBackToTheLiveKitEnvironmentVariables() {
        runner.withPropertyValues("LIVEKIT_URL=https://lk.example.com", "LIVEKIT_API_KEY=envkey", "LIVEKIT_API_SECRET=envsecret")
                .run(context -> {
                    LiveKitCredentials credentials = context.getBean(LiveKitCredentials.class);
                    assertThat(credentials.url()).isEqualTo(URI.create("wss://lk.example.com"));
                    assertThat(credentials.apiKey()).isEqualTo("envkey");
                    assertThat(credentials.toString()).doesNotContain("envsecret");
                });
    }

    @Test
    void openrtcPropertiesWinOverTheEnvironmentVariables() {
        withCredentials.withPropertyValues("LIVEKIT_URL=ws://other:7880", "LIVEKIT_API_KEY=envkey")
                .run(context -> {
                    LiveKitCredentials credentials = context.getBean(LiveKitCredentials.class);
                    assertThat(credentials.url()).isEqualTo(URI.create("wss://example.livekit.cloud"));
                    assertThat(credentials.apiKey()).isEqualTo("key");
                });
    }

    @Test
    void aMissingUrlNamesThePropertyAndTheVariable() {
        runner.withPropertyValues("openrtc.livekit.api-key=key", "openrtc.livekit.api-secret=secret")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("openrtc.livekit.url is not set")
                        .hasMessageContaining("LIVEKIT_URL"));
    }

    @Test
    void aMissingSecretNamesThePropertyAndTheVariable() {
        runner.withPropertyValues("openrtc.livekit.url=ws://x:7880", "openrtc.livekit.api-key=key")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("openrtc.livekit.api-secret is not set")
                        .hasMessageContaining("LIVEKIT_API_SECRET"));
    }

    @Test
    void aUrlWithAnotherSchemeIsRejected() {
        runner.withPropertyValues("openrtc.livekit.url=ftp://x", "openrtc.livekit.api-key=key", "openrtc.livekit.api-secret=s")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("openrtc.livekit.url (or LIVEKIT_URL) must start with ws://, wss://, http:// or https://"));
    }
}
