package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.JobType;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.VoiceMetric;
import io.openrtc.worker.JobAssignment;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostProtocolTest {

    private static HostMessage roundTrip(HostMessage message) throws IOException {
        return HostProtocol.decode(HostProtocol.encode(message));
    }

    @Test
    void aJobCrossesWithEveryField() throws IOException {
        JobInfo job = new JobInfo("AJ_1", "AD_1", JobType.PARTICIPANT, "front-desk", "{\"agent\":\"x\"}", "room ü",
                "RM_1", "room meta", "caller-7", Map.of("lang", "de", "tier", "gold"));
        SessionRequest request = new SessionRequest(new JobAssignment(job, URI.create("wss://lk.example/"),
                "eyJ.secret.token", "agent-AJ_1"), "restaurant", Instant.parse("2025-01-02T03:04:05.678901Z"), "acme");
        HostMessage decoded = roundTrip(new HostMessage.Job(request));
        assertThat(decoded).isEqualTo(new HostMessage.Job(request));
        assertThat(((HostMessage.Job) decoded).request().assignment().token()).isEqualTo("eyJ.secret.token");
        assertThat(((HostMessage.Job) decoded).request().tenant()).isEqualTo("acme");
    }

    @Test
    void aJobFromAParentWithoutTenantsIsOfTheDefaultTenant() throws IOException {
        SessionRequest request = new SessionRequest(TestJobs.assignment(TestJobs.job("")), "restaurant", Instant.now(), "acme");
        String json = new String(HostProtocol.encode(new HostMessage.Job(request)), StandardCharsets.UTF_8)
                .replace("\"tenant\":\"acme\",", "");
        assertThat(json).doesNotContain("tenant");
        HostMessage.Job decoded = (HostMessage.Job) HostProtocol.decode(json.getBytes(StandardCharsets.UTF_8));
        assertThat(decoded.request().tenant()).isEqualTo("default");
    }

    @Test
    void aFailureCrossesWithTypeMessageStackAndCause() throws IOException {
        Exception cause = new java.io.UncheckedIOException("socket closed", new IOException("reset"));
        IllegalStateException error = new IllegalStateException("no table free", cause);
        HostMessage message = HostMessage.ending(new SessionOutcome.Failed(error, Instant.now(), Instant.now()));
        HostMessage.Failed decoded = (HostMessage.Failed) roundTrip(message);
        assertThat(decoded.source()).isEqualTo(FailureSource.AGENT);
        RemoteSessionException remote = decoded.failure().toException(decoded.source());
        assertThat(remote.remoteType()).isEqualTo("java.lang.IllegalStateException");
        assertThat(remote.getMessage()).isEqualTo("no table free");
        assertThat(remote.getStackTrace()).isEqualTo(error.getStackTrace());
        assertThat(remote.getCause()).isInstanceOfSatisfying(RemoteSessionException.class,
                c -> assertThat(c.remoteType()).isEqualTo("java.io.UncheckedIOException"));
        assertThat(remote.getCause().getCause()).hasMessage("reset");
        assertThat(remote.toString()).startsWith("java.lang.IllegalStateException: no table free");
    }

    @Test
    void whoseFaultAFailureIsCrossesWithIt() throws IOException {
        Exception lost = new SessionFailureException(FailureSource.INFRASTRUCTURE, "the room connection ended", null);
        HostMessage.Failed decoded = (HostMessage.Failed) roundTrip(HostMessage.ending(
                new SessionOutcome.Failed(new IllegalStateException("wrapped", lost), Instant.now(), Instant.now())));
        assertThat(decoded.source()).isEqualTo(FailureSource.INFRASTRUCTURE);
        assertThat(FailureSource.of(decoded.failure().toException(decoded.source()))).isEqualTo(FailureSource.INFRASTRUCTURE);
    }

    @Test
    void theSmallMessagesCross() throws IOException {
        assertThat(roundTrip(new HostMessage.Ready(42))).isEqualTo(new HostMessage.Ready(42));
        assertThat(roundTrip(new HostMessage.Running())).isEqualTo(new HostMessage.Running());
        assertThat(roundTrip(new HostMessage.Cancel("drain"))).isEqualTo(new HostMessage.Cancel("drain"));
        assertThat(roundTrip(new HostMessage.Succeeded())).isEqualTo(new HostMessage.Succeeded());
        assertThat(roundTrip(new HostMessage.Cancelled("drain"))).isEqualTo(new HostMessage.Cancelled("drain"));
    }

    @Test
    void everyVoiceMetricCrossesWithItsNullsIntact() throws IOException {
        VoiceMetric spoken = new VoiceMetric.Turn(false, Duration.ofMillis(512), Duration.ofMillis(230), Duration.ofMillis(180),
                Duration.ofMillis(95), Duration.ofMillis(1020), Duration.ofMillis(515), true, 412, 37, 88, Duration.ofMillis(2410));
        VoiceMetric typed = new VoiceMetric.Turn(true, null, null, Duration.ofMillis(150), null, null, null, false, 10, 2, 0,
                Duration.ZERO);
        for (VoiceMetric metric : List.of(spoken, typed, new VoiceMetric.Interruption(true), new VoiceMetric.Interruption(false),
                new VoiceMetric.ToolCall("book_table", true, Duration.ofMillis(7)),
                new VoiceMetric.ProviderError("openai-stt", "STT"), new VoiceMetric.TurnDropped("superseded"),
                new VoiceMetric.StateRepaired("speaking", Duration.ofMillis(612)))) {
            assertThat(roundTrip(new HostMessage.Measured(metric))).isEqualTo(new HostMessage.Measured(metric));
        }
    }

    @Test
    void aMalformedMessageIsRejected() {
        assertThatThrownBy(() -> HostProtocol.decode("{\"type\":\"bogus\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessageContaining("bogus");
        assertThatThrownBy(() -> HostProtocol.decode("{\"type\":\"cancel\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessageContaining("reason");
    }
}
