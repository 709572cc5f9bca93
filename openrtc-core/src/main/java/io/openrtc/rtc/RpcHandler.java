package io.openrtc.rtc;

/**
 * Answers RPC calls to one method ({@link Room#registerRpcMethod}). Runs on a virtual thread of
 * its own per call, so it may block. Return the response payload (at most
 * {@value RpcError#MAX_PAYLOAD_BYTES} bytes of UTF-8); throw an {@link RpcError} to answer with
 * that error; anything else thrown answers {@link RpcError#APPLICATION_ERROR}. A handler still
 * running when the caller's response timeout has passed is interrupted and the caller gets
 * {@link RpcError#RESPONSE_TIMEOUT}.
 */
@FunctionalInterface
public interface RpcHandler {

    /**
     * Answers one call.
     *
     * @param invocation who called, the method, the payload and the caller's response timeout
     * @return the response payload (may be empty)
     * @throws RpcError  to answer with that error code and message
     * @throws Exception anything else answers {@link RpcError#APPLICATION_ERROR}
     */
    String handle(RpcInvocation invocation) throws Exception;
}
