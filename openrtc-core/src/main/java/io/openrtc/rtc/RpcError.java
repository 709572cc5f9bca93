package io.openrtc.rtc;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An RPC call failed, with LiveKit's error code: thrown by {@link Room#performRpc} and thrown by
 * an {@link RpcHandler} to answer a call with a specific error (the caller receives the same
 * code, message and data). Codes 1001-1999 are LiveKit's own (the constants below); applications
 * use other codes.
 */
public final class RpcError extends Exception {

    private static final long serialVersionUID = 1L;

    /** The handler threw something other than an {@code RpcError}. */
    public static final int APPLICATION_ERROR = 1500;
    /** The callee did not acknowledge the request in time (7 s): it is not listening, or unreachable. */
    public static final int CONNECTION_TIMEOUT = 1501;
    /** No response within the caller's response timeout. */
    public static final int RESPONSE_TIMEOUT = 1502;
    /** The callee left (or this side lost its connection) before answering. */
    public static final int RECIPIENT_DISCONNECTED = 1503;
    /** The handler's response was larger than {@value #MAX_PAYLOAD_BYTES} bytes. */
    public static final int RESPONSE_PAYLOAD_TOO_LARGE = 1504;
    /** The request could not be sent. */
    public static final int SEND_FAILED = 1505;
    /** The callee has no handler for the method. */
    public static final int UNSUPPORTED_METHOD = 1400;
    /** No participant with the destination identity is in the room. */
    public static final int RECIPIENT_NOT_FOUND = 1401;
    /** The request payload was larger than {@value #MAX_PAYLOAD_BYTES} bytes. */
    public static final int REQUEST_PAYLOAD_TOO_LARGE = 1402;
    /** The server is too old for RPC (before 1.8.0). */
    public static final int UNSUPPORTED_SERVER = 1403;
    /** The request used an RPC version the callee does not speak. */
    public static final int UNSUPPORTED_VERSION = 1404;

    /** The largest request or response payload, in UTF-8 bytes (LiveKit's limit for RPC v1). */
    public static final int MAX_PAYLOAD_BYTES = 15_360;
    /** Error messages are cut to this many UTF-8 bytes on the wire, as LiveKit's SDKs do. */
    public static final int MAX_MESSAGE_BYTES = 256;
    /** The largest error data, in UTF-8 bytes. */
    public static final int MAX_DATA_BYTES = 15_360;

    private final int code;
    private final String data;

    /** An error with a code and a message (cut to {@value #MAX_MESSAGE_BYTES} bytes). */
    public RpcError(int code, String message) {
        this(code, message, "");
    }

    /**
     * An error with a code, a message (cut to {@value #MAX_MESSAGE_BYTES} bytes of UTF-8, as
     * LiveKit's SDKs do) and data for the caller.
     *
     * @throws IllegalArgumentException when {@code data} is over {@value #MAX_DATA_BYTES} bytes
     */
    public RpcError(int code, String message, String data) {
        super(Utf8Chunks.truncate(Objects.requireNonNull(message, "message"), MAX_MESSAGE_BYTES));
        this.code = code;
        this.data = Objects.requireNonNull(data, "data");
        int dataBytes = data.getBytes(StandardCharsets.UTF_8).length;
        if (dataBytes > MAX_DATA_BYTES) {
            throw new IllegalArgumentException("RpcError data is " + dataBytes + " bytes; LiveKit's limit is "
                    + MAX_DATA_BYTES + " bytes");
        }
    }

    /** An error received from another participant: message and data already within LiveKit's limits (cut if not). */
    static RpcError fromWire(int code, String message, String data) {
        return new RpcError(code, message, Utf8Chunks.truncate(data, MAX_DATA_BYTES));
    }

    /** One of LiveKit's built-in errors, with its standard message and an optional detail as data. */
    static RpcError builtIn(int code, String detail) {
        return new RpcError(code, standardMessage(code), Utf8Chunks.truncate(detail, MAX_DATA_BYTES));
    }

    /** LiveKit's message for a built-in code (the same text its SDKs send). */
    static String standardMessage(int code) {
        return switch (code) {
            case APPLICATION_ERROR -> "Application error in method handler";
            case CONNECTION_TIMEOUT -> "Connection timeout";
            case RESPONSE_TIMEOUT -> "Response timeout";
            case RECIPIENT_DISCONNECTED -> "Recipient disconnected";
            case RESPONSE_PAYLOAD_TOO_LARGE -> "Response payload too large";
            case SEND_FAILED -> "Failed to send";
            case UNSUPPORTED_METHOD -> "Method not supported at destination";
            case RECIPIENT_NOT_FOUND -> "Recipient not found";
            case REQUEST_PAYLOAD_TOO_LARGE -> "Request payload too large";
            case UNSUPPORTED_SERVER -> "RPC not supported by server";
            case UNSUPPORTED_VERSION -> "Unsupported RPC version";
            default -> "RPC error " + code;
        };
    }

    /** The error code: one of the constants here, or an application's own. */
    public int code() {
        return code;
    }

    /** Data for the caller (may be empty); for built-in errors raised here, a detail that explains them. */
    public String data() {
        return data;
    }

    @Override
    public String toString() {
        return "RpcError " + code + ": " + getMessage() + (data.isEmpty() ? "" : " (" + data + ")");
    }
}
