package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.TestTokens;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Joins that cannot succeed fail at a named step, within a bound, leaving nothing allocated. */
@LiveKitServerTest
class RoomJoinFailureTest extends RoomRuntimeTest {

    @Test
    void aTokenSignedWithTheWrongSecretFailsAtAuthorizationWithTheServersReason(LiveKitServer server) {
        String token = TestTokens.agent(server.apiKey(), "not-the-secret-" + UUID.randomUUID(), "r-" + UUID.randomUUID(),
                "agent-bad", Duration.ofHours(1));
        RoomJoinException failure = joinFails(server.url(), token, Duration.ofSeconds(10));
        assertThat(failure.step()).isEqualTo(JoinStep.AUTHORIZATION);
        assertThat(failure.getMessage()).contains("HTTP 401").contains("step AUTHORIZATION");
        assertThat(failure.detail()).as("the reason from /rtc/validate").matches("(?s).*HTTP 401\\): .+");
        assertThat(failure.getMessage()).as("no token in the message").doesNotContain(token).doesNotContain("eyJ");
    }

    @Test
    void anExpiredTokenFailsAtAuthorization(LiveKitServer server) {
        String token = TestTokens.agent(server.apiKey(), server.apiSecret(), "r-" + UUID.randomUUID(), "agent-old",
                Duration.ofMinutes(-5));
        RoomJoinException failure = joinFails(server.url(), token, Duration.ofSeconds(10));
        assertThat(failure.step()).isEqualTo(JoinStep.AUTHORIZATION);
    }

    @Test
    void anUnreachablePortFailsAtSignalConnect(LiveKitServer server) {
        URI nothingThere = URI.create("ws://" + server.url().getHost() + ":1");
        RoomJoinException failure = joinFails(nothingThere, TestTokens.agent(server, "r", "agent-x"), Duration.ofSeconds(10));
        assertThat(failure.step()).isEqualTo(JoinStep.SIGNAL_CONNECT);
        assertThat(failure.getMessage()).contains("could not reach");
    }

    @Test
    void noJoinResponseFailsAtTheJoinResponseStepWithinItsBound() throws Exception {
        try (FakeSilentSignalServer silent = new FakeSilentSignalServer()) {
            RoomJoinException failure = catchThrowableOfType(RoomJoinException.class,
                    () -> timed(Duration.ofSeconds(6), () -> Room.connect(runtime, silent.url(), "x.y.z",
                            RoomOptions.defaults().withJoinTimeout(Duration.ofSeconds(2)))));
            assertThat(failure).isNotNull();
            assertThat(failure.step()).isEqualTo(JoinStep.JOIN_RESPONSE);
            assertThat(failure.getMessage()).contains("no JoinResponse within 2000 ms");
        }
        assertThat(runtime.liveObjects().isZero()).as("%s", runtime.liveObjects()).isTrue();
    }

    @Test
    void aServerUrlWithoutAWebsocketOrHttpSchemeIsRefusedNamingTheField() {
        assertThatThrownBy(() -> Room.connect(runtime, URI.create("ftp://example.invalid"), "t", RoomOptions.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("serverUrl");
        assertThatThrownBy(() -> RoomOptions.defaults().withJoinTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RoomOptions.joinTimeout");
    }

    private RoomJoinException joinFails(URI url, String token, Duration bound) {
        RoomJoinException failure = catchThrowableOfType(RoomJoinException.class,
                () -> timed(bound, () -> Room.connect(runtime, url, token, RoomOptions.defaults())));
        assertThat(failure).as("the join should have failed").isNotNull();
        System.out.println("[rooms] join failed as expected: " + failure.getMessage());
        assertThat(runtime.liveObjects().isZero()).as("%s", runtime.liveObjects()).isTrue();
        return failure;
    }

    interface Join {
        Room run() throws Exception;
    }

    /** Runs a join that must fail, and fails the test if it took longer than {@code bound}. */
    private static void timed(Duration bound, Join join) throws Exception {
        long started = System.nanoTime();
        try {
            Room room = join.run();
            room.close();
            throw new AssertionError("the join succeeded");
        } finally {
            long took = (System.nanoTime() - started) / 1_000_000;
            System.out.println("[rooms] the failing join took " + took + " ms");
            assertThat(took).as("ms until the join failed").isLessThan(bound.toMillis());
        }
    }
}
