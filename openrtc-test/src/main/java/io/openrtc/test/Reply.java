package io.openrtc.test;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * What {@link ScriptedChatServer} answers to one chat-completions request. Tests mostly write
 * replies through {@link ScriptedChatServer.RuleBuilder}; these factories are for
 * {@link ScriptedChatServer.RuleBuilder#respond(Function)}, where a reply is chosen per request.
 */
public sealed interface Reply {

    /** Assistant text, streamed as word-sized deltas when the request streams. */
    static Reply text(String text) {
        Objects.requireNonNull(text, "text");
        return new Text(request -> text);
    }

    /** Assistant text made from the request, for example from its tool result. */
    static Reply text(Function<ChatRequest, String> text) {
        return new Text(text);
    }

    /** One tool call, {@code finish_reason: "tool_calls"}. */
    static Reply toolCall(String name, String arguments) {
        return new ToolCalls("", List.of(ToolCall.of(name, arguments)));
    }

    /** Parallel tool calls in one assistant message. */
    static Reply toolCalls(ToolCall... calls) {
        return new ToolCalls("", List.of(calls));
    }

    /**
     * Some text and then tool calls in the same assistant message ("One moment, I'll book that."),
     * which models do and a voice agent may want to speak before the tool runs.
     */
    static Reply textThenToolCalls(String text, ToolCall... calls) {
        return new ToolCalls(text, List.of(calls));
    }

    /**
     * An HTTP error with OpenAI's error body; {@code type} and {@code code} follow the status as
     * OpenAI's do: 401 {@code invalid_request_error}/{@code invalid_api_key}, 429
     * {@code requests}/{@code rate_limit_exceeded}, 5xx {@code server_error}, else
     * {@code invalid_request_error}.
     */
    static Reply error(int status, String message) {
        return new HttpError(status, HttpError.typeFor(status), HttpError.codeFor(status), message);
    }

    /** An HTTP error with OpenAI's error body, every field chosen. */
    static Reply error(int status, String type, String code, String message) {
        return new HttpError(status, type, code, message);
    }

    /** Never answers: the request stays open until the client gives up or the server closes. */
    static Reply hang() {
        return new Hang();
    }

    /** A reply that breaks the protocol in the given way. */
    static Reply malformed(Malformation malformation) {
        return new Malformed(malformation);
    }

    /** Assistant text; see {@link #text(String)}. */
    record Text(Function<ChatRequest, String> text) implements Reply {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * Tool calls, optionally after some text; see {@link #toolCalls(ToolCall...)}.
     *
     * @param text text before the calls, empty for none
     * @param calls at least one call
     */
    record ToolCalls(String text, List<ToolCall> calls) implements Reply {
        public ToolCalls {
            Objects.requireNonNull(text, "text");
            calls = List.copyOf(calls);
            if (calls.isEmpty()) {
                throw new IllegalArgumentException("a tool-call reply needs at least one call");
            }
        }
    }

    /**
     * An HTTP error; see {@link #error(int, String, String, String)}.
     *
     * @param status the HTTP status, 400 or more
     * @param type OpenAI's {@code error.type}
     * @param code OpenAI's {@code error.code}, or {@code null}
     * @param message OpenAI's {@code error.message}
     */
    record HttpError(int status, String type, String code, String message) implements Reply {
        public HttpError {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("an error status is 400..599, not " + status);
            }
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(message, "message");
        }

        static String typeFor(int status) {
            return switch (status) {
                case 429 -> "requests";
                default -> status >= 500 ? "server_error" : "invalid_request_error";
            };
        }

        static String codeFor(int status) {
            return switch (status) {
                case 401 -> "invalid_api_key";
                case 429 -> "rate_limit_exceeded";
                default -> null;
            };
        }
    }

    /** See {@link #hang()}. */
    record Hang() implements Reply {
    }

    /** See {@link #malformed(Malformation)}. */
    record Malformed(Malformation malformation) implements Reply {
        public Malformed {
            Objects.requireNonNull(malformation, "malformation");
        }
    }

    /** The ways a {@link Reply#malformed(Malformation) malformed} reply breaks the protocol. */
    enum Malformation {
        /**
         * A well-formed tool call (to the first tool the request offers) whose {@code arguments}
         * are not JSON, as models sometimes produce: the wire is fine, the client's argument
         * parsing is what fails. (For other bad arguments script a tool call with them.)
         */
        TOOL_ARGUMENTS_NOT_JSON,
        /**
         * Not JSON where JSON belongs: a truncated body (non-streaming) or, after one good chunk,
         * a {@code data:} line whose JSON is cut off, then {@code [DONE]} (streaming).
         */
        BODY_NOT_JSON,
        /**
         * The connection drops mid-answer: after a few deltas without {@code [DONE]} and without
         * the end of the chunked body (streaming), or after part of a body shorter than its
         * {@code Content-Length} (non-streaming).
         */
        STREAM_CUT,
        /**
         * A complete answer whose stream ends cleanly without {@code data: [DONE]} (streaming);
         * a normal text answer when not streaming.
         */
        STREAM_WITHOUT_DONE,
        /**
         * A few deltas and then {@code data: {"error": {...}}}, as OpenAI reports a failure in the
         * middle of a stream (streaming); an HTTP 500 when not streaming.
         */
        STREAM_ERROR_EVENT
    }
}
