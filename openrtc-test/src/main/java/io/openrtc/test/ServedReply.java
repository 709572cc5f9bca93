package io.openrtc.test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What {@link ScriptedChatServer} did with one request, and when; see {@link ChatRequest#served()}.
 *
 * @param kind what kind of reply it was
 * @param status the HTTP status sent, or 0 when no response was sent (a hang, or a request whose
 *     connection dropped before the response started)
 * @param text the assistant text sent (all of it, also when it went out in pieces), or empty
 * @param toolCalls the tool calls sent, with the ids the server gave them, or empty
 * @param thinkTime the think time the reply was scripted with (the wait before its first token)
 * @param tokenDelay the scripted wait between two streamed pieces
 * @param promptTokens the {@code usage.prompt_tokens} reported: a word-ish count of the request's
 *     messages, not a real tokenizer's
 * @param completionTokens the {@code usage.completion_tokens} reported: the number of pieces the
 *     answer was split into (text pieces, tool names and argument pieces)
 * @param processingMs the server's own processing time, from having read the request to the
 *     response's first byte (for a stream: its first token), also sent as the
 *     {@code X-Processing-Ms} header; -1 when no response was sent
 * @param receivedAt when the request's body had been read
 * @param firstByteAt when the response's headers went out, or {@code null} when none did
 * @param completedAt when the server was done with the request
 * @param completed whether the whole reply went out as scripted; false when the client went away
 *     mid-stream, the server was closed, or the reply was a hang or a cut stream
 */
public record ServedReply(Kind kind, int status, String text, List<ToolCall> toolCalls, Duration thinkTime,
        Duration tokenDelay, int promptTokens, int completionTokens, long processingMs, Instant receivedAt,
        Instant firstByteAt, Instant completedAt, boolean completed) {

    public ServedReply {
        toolCalls = List.copyOf(toolCalls);
    }

    /** The time from reading the request to being done with it. */
    public Duration totalTime() {
        return Duration.between(receivedAt, completedAt);
    }

    /** The kinds of reply; see {@link Reply}. */
    public enum Kind {
        /** Assistant text, {@code finish_reason: "stop"}. */
        TEXT,
        /** Tool calls, {@code finish_reason: "tool_calls"}. */
        TOOL_CALLS,
        /** An HTTP error, scripted or because the request was invalid. */
        ERROR,
        /** No answer at all. */
        HANG,
        /** A protocol-breaking answer. */
        MALFORMED
    }
}
