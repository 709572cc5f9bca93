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

    String handle(RpcInvocation invocation) throws Exception;
}
