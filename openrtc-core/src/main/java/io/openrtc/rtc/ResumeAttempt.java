package io.openrtc.rtc;

import java.util.concurrent.CompletableFuture;
import livekit.LivekitRtc.ReconnectResponse;

/** One attempt to resume a {@link RoomConnection}; loop-owned except for its futures. */
final class ResumeAttempt {
    /** The server's first answer: its ReconnectResponse (null when it answered with something else). */
    final CompletableFuture<ReconnectResponse> firstMessage = new CompletableFuture<>();
    /** Completed with a reason when the attempt failed (socket lost, server refused). */
    final CompletableFuture<String> failed = new CompletableFuture<>();
    SignalConnection signal;
    CompletableFuture<Void> mediaConnected;
}
