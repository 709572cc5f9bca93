package io.openrtc.test;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The checks {@link SecretScanAppender} applies to every log event of the suite. */
class SecretScanTest {

    @Test
    void aParticipantTokenIsALeakAndItsRedactionHoldsNoneOfIt() {
        String token = TestTokens.agent("devkey", "a-secret-of-thirty-two-characters", "room-1", "caller", java.time.Duration.ofMinutes(5));
        String line = "INFO joining with token " + token + " now";

        assertThat(SecretScan.leaks(line)).isTrue();
        assertThat(SecretScan.redact(line)).isEqualTo("INFO joining with token [JWT] now").doesNotContain(token);
    }

    @Test
    void aWatchedSecretIsALeakWhereverItStandsAndShortWordsAreNotWatched() {
        String secret = "5f0c1e9a7b3d4c2e8f6a1b0c9d8e7f6a5b4c3d2e1f0a9b8c";
        SecretScan.watch(secret);
        SecretScan.watch("secret");

        assertThat(SecretScan.leaks("DEBUG {apiSecret=" + secret + "}")).isTrue();
        assertThat(SecretScan.redact("DEBUG {apiSecret=" + secret + "}")).isEqualTo("DEBUG {apiSecret=[API SECRET]}");
        assertThat(SecretScan.leaks("WARN openrtc.livekit.api-secret is not set")).isFalse();
        assertThat(SecretScan.leaks("INFO Joined room lobby as agent-AJ_x (sid PA_abc)")).isFalse();
    }
}
