package io.openrtc.rtc;

import java.time.Duration;
import java.util.Objects;

/**
 * One incoming RPC call.
 *
 * @param requestId       the call's id (the same on both sides; for logs)
 * @param callerIdentity  who called
 * @param method          the method called
 * @param payload         the request payload
 * @param responseTimeout how long the caller waits for the answer, as it stated on the wire
 */
public record RpcInvocation(String requestId, String callerIdentity, String method, String payload,
        Duration responseTimeout) {

    public RpcInvocation {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(callerIdentity, "callerIdentity");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
    }
}
