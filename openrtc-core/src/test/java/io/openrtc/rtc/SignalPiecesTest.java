package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onvoid.webrtc.RTCIceCandidate;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** URL building, token redaction and the trickle JSON, without a server. */
class SignalPiecesTest {

    @Test
    void buildsTheRtcUrlFromAnyServerUrlForm() {
        assertThat(SignalConnection.rtcUri(URI.create("http://h:7880"), "rtc", true).toString())
                .startsWith("ws://h:7880/rtc?protocol=16&auto_subscribe=1&sdk=java");
        assertThat(SignalConnection.rtcUri(URI.create("wss://h/prefix/"), "rtc", false).toString())
                .startsWith("wss://h/prefix/rtc?protocol=16&auto_subscribe=0");
        assertThat(SignalConnection.rtcUri(URI.create("ws://h:1"), "rtc/validate", true).toString())
                .startsWith("http://h:1/rtc/validate?");
    }

    @Test
    void redactsTokensTheServerEchoes() {
        String token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        assertThat(SignalConnection.redactTokens("invalid token: " + token + ", error: expired", token))
                .isEqualTo("invalid token: <token>, error: expired");
        assertThat(SignalConnection.redactTokens("invalid token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIi...", "other"))
                .isEqualTo("invalid token: <token>");
    }

    @Test
    void trickleCandidatesRoundTripAndToleratesNulls() throws Exception {
        RTCIceCandidate candidate = new RTCIceCandidate("0", 0, "candidate:1 1 udp 2122260223 198.18.0.2 5000 typ host");
        RTCIceCandidate parsed = IceCandidates.fromJson(IceCandidates.toJson(candidate));
        assertThat(parsed.sdp).isEqualTo(candidate.sdp);
        assertThat(parsed.sdpMid).isEqualTo("0");
        RTCIceCandidate fromServer = IceCandidates.fromJson(
                "{\"candidate\":\"candidate:2 1 udp 1 198.18.0.1 7882 typ host\",\"sdpMid\":null,\"sdpMLineIndex\":1}");
        assertThat(fromServer.sdpMid).isEqualTo("1");
        assertThat(fromServer.sdpMLineIndex).isEqualTo(1);
    }
}
