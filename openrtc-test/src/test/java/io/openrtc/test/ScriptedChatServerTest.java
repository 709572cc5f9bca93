package io.openrtc.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.errors.OpenAIException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.RateLimitException;
import com.openai.errors.SseException;
import com.openai.errors.UnauthorizedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.model.tool.ToolExecutionResult;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.support.ToolCallbacks;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * {@link ScriptedChatServer} on the wire, read raw with the JDK's HttpClient (JSON shapes, SSE
 * framing, chunk fields), and under Spring AI 2.0.1's real OpenAI client: {@code OpenAiChatModel}
 * on the official OpenAI Java SDK over OkHttp, plain, streaming, with tools (ChatClient's
 * ToolCallingAdvisor, and a tool loop driven by hand), errors and timeouts.
 */
class ScriptedChatServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private ScriptedChatServer llm;
    private HttpClient http;

    @BeforeEach
    void start() {
        llm = ScriptedChatServer.start();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() {
        http.close();
        llm.close();
    }

    // --- text -----------------------------------------------------------------------------------

    @Test
    void answersWithOpenAisCompletionShape() throws Exception {
        llm.when(r -> r.lastUserText().contains("hello")).reply("Hello! How can I help you today?");

        HttpResponse<String> response = post(request(false, "Say hello"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.headers().firstValue("X-Processing-Ms")).isPresent();
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("id").asText()).startsWith("chatcmpl-");
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("created").asLong()).isPositive();
        assertThat(body.path("model").asText()).isEqualTo("gpt-4o-mini");
        JsonNode choice = body.path("choices").path(0);
        assertThat(choice.path("index").asInt()).isZero();
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asText()).isEqualTo("Hello! How can I help you today?");
        assertThat(choice.path("message").has("tool_calls")).isFalse();
        JsonNode usage = body.path("usage");
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(9);
        assertThat(usage.path("prompt_tokens").asInt()).isPositive();
        assertThat(usage.path("total_tokens").asInt())
                .isEqualTo(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt());
    }

    @Test
    void streamsTextAsServerSentEventsOfWordSizedDeltas() throws Exception {
        String text = "Of course, I can book a table for two at seven tonight.";
        llm.when(r -> true).tokenDelay(Duration.ofMillis(15)).reply(text);

        // Reading line by line, with the time each line arrived, shows the deltas really stream.
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        List<String> lines = new ArrayList<>();
        HttpResponse<Stream<String>> response = http.send(
                httpRequest(withIncludeUsage(request(true, "A table for two at seven"))), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        response.body().forEach(line -> {
            lines.add(line);
            arrivals.add(System.nanoTime());
        });

        // SSE framing: every event one "data: " line and a blank line; the last one [DONE].
        for (int i = 0; i < lines.size(); i += 2) {
            assertThat(lines.get(i)).startsWith("data: ");
            assertThat(lines.get(i + 1)).isEmpty();
        }
        List<String> data = lines.stream().filter(l -> !l.isEmpty()).map(l -> l.substring("data: ".length())).toList();
        assertThat(data.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = new ArrayList<>();
        for (String event : data.subList(0, data.size() - 1)) {
            chunks.add(JSON.readTree(event));
        }
        String id = chunks.getFirst().path("id").asText();
        for (JsonNode chunk : chunks) {
            assertThat(chunk.path("id").asText()).isEqualTo(id).startsWith("chatcmpl-");
            assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.path("model").asText()).isEqualTo("gpt-4o-mini");
        }
        JsonNode first = chunks.getFirst().path("choices").path(0);
        assertThat(first.path("delta").path("role").asText()).isEqualTo("assistant");
        assertThat(first.path("delta").path("content").asText()).isEmpty();
        assertThat(first.path("finish_reason").isNull()).isTrue();

        JsonNode usageChunk = chunks.getLast();
        assertThat(usageChunk.path("choices")).isEmpty();
        assertThat(usageChunk.path("usage").path("completion_tokens").asInt()).isEqualTo(ScriptedChatServer.pieces(text).size());
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(finish.path("choices").path(0).path("delta")).isEmpty();
        // Every chunk but the usage one says "usage": null, as OpenAI's do when usage is asked for.
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> assertThat(c.get("usage").isNull()).isTrue());

        List<String> pieces = chunks.subList(1, chunks.size() - 2).stream()
                .map(c -> c.path("choices").path(0).path("delta").path("content").asText()).toList();
        assertThat(pieces).hasSizeGreaterThan(10).startsWith("Of", " course", ",", " I");
        assertThat(String.join("", pieces)).isEqualTo(text);
        // 14 pieces 15 ms apart cannot arrive in less than 13 × 15 ms unless they were buffered.
        long spreadMs = (arrivals.get(lines.indexOf("data: [DONE]")) - arrivals.getFirst()) / 1_000_000;
        assertThat(spreadMs).isGreaterThanOrEqualTo(13 * 15);
    }

    @Test
    void streamsWithoutAUsageChunkUnlessAskedFor() throws Exception {
        llm.otherwise().reply("Fine.");

        List<JsonNode> chunks = sse(post(request(true, "How are you?")).body());

        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.has("usage")).isFalse();
            assertThat(c.path("choices")).hasSize(1);
        });
        assertThat(chunks.getLast().path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
    }

    // --- tool calls -----------------------------------------------------------------------------

    @Test
    void answersWithAToolCall() throws Exception {
        llm.when(r -> r.lastUserText().contains("table")).replyWithToolCall("book_table", "{\"people\":2,\"time\":\"19:00\"}");

        JsonNode body = JSON.readTree(post(withTool(request(false, "A table for two at seven"))).body());

        JsonNode choice = body.path("choices").path(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode message = choice.path("message");
        assertThat(message.path("role").asText()).isEqualTo("assistant");
        assertThat(message.get("content").isNull()).isTrue();
        JsonNode call = message.path("tool_calls").path(0);
        assertThat(message.path("tool_calls")).hasSize(1);
        assertThat(call.path("id").asText()).startsWith("call_");
        assertThat(call.path("type").asText()).isEqualTo("function");
        assertThat(call.path("function").path("name").asText()).isEqualTo("book_table");
        assertThat(call.path("function").path("arguments").asText()).isEqualTo("{\"people\":2,\"time\":\"19:00\"}");
        ServedReply served = llm.awaitServed(1, WAIT).getFirst().served().orElseThrow();
        assertThat(served.kind()).isEqualTo(ServedReply.Kind.TOOL_CALLS);
        assertThat(served.toolCalls()).singleElement().satisfies(c -> assertThat(c.id()).isEqualTo(call.path("id").asText()));
    }

    @Test
    void streamsAToolCallAsOpenAiDoes() throws Exception {
        String arguments = "{\"people\":2,\"time\":\"19:00\"}";
        llm.when(r -> r.offersTool("book_table")).replyWithToolCall("book_table", arguments);

        List<JsonNode> chunks = sse(post(withIncludeUsage(withTool(request(true, "A table for two at seven")))).body());

        // The first chunk opens the call: index, id, type and name, with empty arguments...
        JsonNode firstDelta = chunks.getFirst().path("choices").path(0).path("delta");
        assertThat(firstDelta.path("role").asText()).isEqualTo("assistant");
        assertThat(firstDelta.get("content").isNull()).isTrue();
        JsonNode head = firstDelta.path("tool_calls").path(0);
        assertThat(head.path("index").asInt()).isZero();
        assertThat(head.path("id").asText()).startsWith("call_");
        assertThat(head.path("type").asText()).isEqualTo("function");
        assertThat(head.path("function").path("name").asText()).isEqualTo("book_table");
        assertThat(head.path("function").path("arguments").asText()).isEmpty();
        // ...the next ones carry only the index and a piece of the arguments...
        List<JsonNode> pieces = chunks.subList(1, chunks.size() - 2);
        assertThat(pieces).hasSizeGreaterThan(5).allSatisfy(c -> {
            JsonNode call = c.path("choices").path(0).path("delta").path("tool_calls").path(0);
            assertThat(call.path("index").asInt()).isZero();
            assertThat(call.has("id")).isFalse();
            assertThat(call.path("function").has("name")).isFalse();
        });
        String joined = pieces.stream()
                .map(c -> c.path("choices").path(0).path("delta").path("tool_calls").path(0).path("function").path("arguments").asText())
                .collect(Collectors.joining());
        assertThat(joined).isEqualTo(arguments);
        // ...then an empty delta with finish_reason tool_calls, and the usage.
        JsonNode finish = chunks.get(chunks.size() - 2).path("choices").path(0);
        assertThat(finish.path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(finish.path("delta")).isEmpty();
        assertThat(chunks.getLast().path("usage").path("total_tokens").asInt()).isPositive();
    }

    @Test
    void answersTheToolResultInTheFollowUpRequest() throws Exception {
        llm.when(r -> r.lastUserText().contains("table")).once().replyWithToolCall("book_table", "{\"people\":2}")
                .when(ChatRequest::lastMessageIsToolResult).reply(r -> "Your table is booked: " + r.lastToolResult());

        JsonNode first = JSON.readTree(post(withTool(request(false, "A table for two"))).body());
        JsonNode assistant = first.path("choices").path(0).path("message");
        String callId = assistant.path("tool_calls").path(0).path("id").asText();
        ObjectNode followUp = withTool(request(false, "A table for two"));
        ArrayNode messages = (ArrayNode) followUp.path("messages");
        messages.add(assistant);
        messages.addObject().put("role", "tool").put("tool_call_id", callId).put("content", "confirmed, reference R-42");
        JsonNode second = JSON.readTree(post(followUp).body());

        assertThat(second.path("choices").path(0).path("message").path("content").asText())
                .isEqualTo("Your table is booked: confirmed, reference R-42");
        List<ChatRequest> requests = llm.awaitServed(2, WAIT);
        ChatRequest asked = requests.get(1);
        assertThat(asked.lastMessageIsToolResult()).isTrue();
        assertThat(asked.toolResults()).singleElement().satisfies(m -> assertThat(m.toolCallId()).isEqualTo(callId));
        assertThat(asked.messages().get(2).toolCalls()).singleElement()
                .isEqualTo(new ToolCall(callId, "book_table", "{\"people\":2}"));
        assertThat(asked.systemPrompt()).hasValue("You book tables at Luigi's.");
        assertThat(asked.toolNames()).containsExactly("book_table");
    }

    @Test
    void rejectsAToolCallLeftUnansweredAsOpenAiDoes() throws Exception {
        llm.otherwise().reply("never sent");
        ObjectNode body = withTool(request(false, "A table for two"));
        ObjectNode assistant = ((ArrayNode) body.path("messages")).addObject().put("role", "assistant");
        assistant.putNull("content");
        assistant.putArray("tool_calls").addObject().put("id", "call_1").put("type", "function").putObject("function")
                .put("name", "book_table").put("arguments", "{}");
        ((ArrayNode) body.path("messages")).addObject().put("role", "user").put("content", "Hello?");

        HttpResponse<String> response = post(body);

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).contains("must be followed by tool messages").contains("call_1");

        ObjectNode orphan = request(false, "Hi");
        ((ArrayNode) orphan.path("messages")).addObject().put("role", "tool").put("tool_call_id", "call_9").put("content", "x");
        assertThat(post(orphan).statusCode()).isEqualTo(400);
        assertThat(llm.awaitServed(2, WAIT)).allSatisfy(r -> {
            assertThat(r.served().orElseThrow().kind()).isEqualTo(ServedReply.Kind.ERROR);
            assertThat(r.served().orElseThrow().status()).isEqualTo(400);
        });
    }

    // --- rules ----------------------------------------------------------------------------------

    @Test
    void triesRulesInOrderThenTheDefaultThenFailsLoudly() throws Exception {
        llm.when(r -> r.lastUserText().contains("menu")).times(2).reply("Pasta and pizza.")
                .when(r -> r.systemPrompt().orElse("").contains("Luigi") && r.lastUserText().contains("menu"))
                .reply("The menu is gone.");

        assertThat(text(post(request(false, "The menu?")))).isEqualTo("Pasta and pizza.");
        assertThat(text(post(request(false, "The menu?")))).isEqualTo("Pasta and pizza.");
        assertThat(text(post(request(false, "The menu?")))).isEqualTo("The menu is gone.");

        HttpResponse<String> unscripted = post(request(false, "Opening hours?"));
        assertThat(unscripted.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(unscripted.body()).path("error").path("message").asText())
                .contains("no rule matches").contains("Opening hours?");

        llm.otherwise().reply(r -> "You said: " + r.lastUserText());
        assertThat(text(post(request(false, "Opening hours?")))).isEqualTo("You said: Opening hours?");
    }

    @Test
    void aFailingRuleFailsTheRequestOnceAndLoudly() throws Exception {
        llm.otherwise().reply(r -> r.systemPrompt().orElseThrow().substring(1000));

        HttpResponse<String> response = post(request(false, "Hi"));

        // 400, not 5xx, so that a client's retries do not repeat it.
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("error").path("message").asText())
                .contains("a rule failed").contains("StringIndexOutOfBoundsException");
    }

    @Test
    void recordsWhatTheLlmWasSent() throws Exception {
        llm.otherwise().reply("ok");

        post(withTool(request(true, "First")));
        post(request(false, "Second"));

        List<ChatRequest> requests = llm.awaitServed(2, WAIT);
        assertThat(requests).extracting(ChatRequest::index).containsExactly(0, 1);
        assertThat(requests).extracting(ChatRequest::stream).containsExactly(true, false);
        assertThat(requests.get(0).toolNames()).containsExactly("book_table");
        assertThat(requests.get(0).tools().path(0).path("function").path("parameters").path("type").asText()).isEqualTo("object");
        assertThat(requests.get(1).messages()).extracting(ChatMessage::role).containsExactly("system", "user");
        assertThat(requests.get(1).lastUserText()).isEqualTo("Second");
        assertThat(requests.get(1).header("authorization")).hasValue("Bearer test");
        assertThat(requests.get(1).json().path("temperature").asDouble()).isEqualTo(0.2);
        assertThat(requests.get(0).served().orElseThrow().completed()).isTrue();
    }

    // --- errors, hangs, malformed ---------------------------------------------------------------

    @Test
    void answersWithAnOpenAiErrorBody() throws Exception {
        llm.when(r -> true).replyWithError(429, "Rate limit reached for gpt-4o-mini.");

        HttpResponse<String> response = post(request(false, "Hi"));

        assertThat(response.statusCode()).isEqualTo(429);
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("message").asText()).isEqualTo("Rate limit reached for gpt-4o-mini.");
        assertThat(error.path("type").asText()).isEqualTo("requests");
        assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(error.get("param").isNull()).isTrue();
    }

    @Test
    void hangsUntilTheClientGivesUpAndDropsTheConnectionOnClose() throws Exception {
        llm.when(r -> true).hang();

        HttpRequest request = HttpRequest.newBuilder(httpRequest(request(false, "Hi")), (n, v) -> true).timeout(Duration.ofMillis(300)).build();
        assertThatThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);

        var pending = http.sendAsync(httpRequest(request(true, "Hi again")), HttpResponse.BodyHandlers.ofString());
        await().atMost(WAIT).until(() -> llm.requests().size() == 2);
        assertThat(llm.requests()).allSatisfy(r -> assertThat(r.served()).isEmpty());
        llm.close();
        await().atMost(WAIT).until(pending::isDone);
        assertThat(pending).isCompletedExceptionally();
        assertThat(llm.awaitServed(2, WAIT)).allSatisfy(r -> {
            assertThat(r.served().orElseThrow().kind()).isEqualTo(ServedReply.Kind.HANG);
            assertThat(r.served().orElseThrow().completed()).isFalse();
        });
    }

    @Test
    void cutsAStreamOffMidAnswer() {
        llm.when(r -> true).replyMalformed(Reply.Malformation.STREAM_CUT);

        assertThatThrownBy(() -> http.send(httpRequest(request(true, "Hi")), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> http.send(httpRequest(request(false, "Hi")), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void breaksTheProtocolInTheOtherScriptedWays() throws Exception {
        llm.when(r -> r.lastUserText().equals("json")).replyMalformed(Reply.Malformation.BODY_NOT_JSON)
                .when(r -> r.lastUserText().equals("done")).replyMalformed(Reply.Malformation.STREAM_WITHOUT_DONE)
                .when(r -> r.lastUserText().equals("error")).replyMalformed(Reply.Malformation.STREAM_ERROR_EVENT)
                .when(r -> r.lastUserText().equals("args")).replyMalformed(Reply.Malformation.TOOL_ARGUMENTS_NOT_JSON);

        String brokenJson = post(request(true, "json")).body();
        assertThat(brokenJson).endsWith("data: [DONE]\n\n");
        assertThatThrownBy(() -> sse(brokenJson)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> JSON.readTree(post(request(false, "json")).body())).isInstanceOf(IOException.class);

        String noDone = post(request(true, "done")).body();
        assertThat(noDone).doesNotContain("[DONE]").contains("\"finish_reason\":\"stop\"");

        String errorEvent = post(request(true, "error")).body();
        assertThat(errorEvent).contains("data: {\"error\":{\"message\":").doesNotContain("[DONE]");

        JsonNode args = JSON.readTree(post(withTool(request(false, "args"))).body());
        JsonNode call = args.path("choices").path(0).path("message").path("tool_calls").path(0);
        assertThat(call.path("function").path("name").asText()).isEqualTo("book_table");
        assertThatThrownBy(() -> JSON.readTree(call.path("function").path("arguments").asText())).isInstanceOf(IOException.class);
    }

    // --- models, timing, main -------------------------------------------------------------------

    @Test
    void listsModels() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(llm.baseUrl() + "/models")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("object").asText()).isEqualTo("list");
        assertThat(body.path("data").path(0).path("id").asText()).isEqualTo("gpt-4o-mini");
        assertThat(body.path("data").path(0).path("object").asText()).isEqualTo("model");
    }

    @Test
    void fixedReplyTakesExactlyItsThinkTimeAndReportsIt() throws Exception {
        llm.fixedReply("All right.", Duration.ofMillis(250));

        long sent = System.nanoTime();
        HttpResponse<Stream<String>> response = http.send(httpRequest(request(true, "Anything")), HttpResponse.BodyHandlers.ofLines());
        long firstLineMs;
        try (Stream<String> lines = response.body()) {
            firstLineMs = lines.findFirst().map(l -> (System.nanoTime() - sent) / 1_000_000).orElseThrow();
        }
        HttpResponse<String> plain = post(request(false, "Anything else"));

        assertThat(firstLineMs).isGreaterThanOrEqualTo(250);
        assertThat(Long.parseLong(response.headers().firstValue("X-Processing-Ms").orElseThrow())).isBetween(250L, 750L);
        assertThat(Long.parseLong(plain.headers().firstValue("X-Processing-Ms").orElseThrow())).isBetween(250L, 750L);
        assertThat(llm.awaitServed(2, WAIT)).allSatisfy(r -> {
            ServedReply served = r.served().orElseThrow();
            assertThat(served.thinkTime()).isEqualTo(Duration.ofMillis(250));
            assertThat(served.processingMs()).isBetween(250L, 750L);
            assertThat(served.text()).isEqualTo("All right.");
            assertThat(served.completionTokens()).isEqualTo(3);
            assertThat(served.firstByteAt()).isAfterOrEqualTo(served.receivedAt().plusMillis(250));
        });
    }

    @Test
    void runsStandaloneFromTheCommandLine() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        try (ScriptedChatServer standalone = ScriptedChatServer.launch(
                new String[] {"--port", "0", "--think-ms", "50", "--reply", "Hello from the bench.", "--log-requests"}, out)) {
            String firstLine = printed.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
            assertThat(firstLine).isEqualTo("ScriptedChatServer listening on " + standalone.baseUrl());
            assertThat(standalone.baseUrl()).matches("http://127\\.0\\.0\\.1:\\d+/v1");

            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(standalone.baseUrl() + "/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(request(false, "Hi").toString())).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(text(response)).isEqualTo("Hello from the bench.");
            await().atMost(WAIT).until(() -> printed.toString(StandardCharsets.UTF_8).contains("request=0 "));
            assertThat(printed.toString(StandardCharsets.UTF_8)).containsPattern("request=0 stream=false status=200 kind=TEXT"
                    + " think_ms=50 processing_ms=\\d+ total_ms=\\d+ completion_tokens=5 completed=true");
        }
        assertThatThrownBy(() -> ScriptedChatServer.launch(new String[] {"--bogus"}, out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--bogus");
    }

    @Test
    void splitsTextIntoPiecesThatJoinBackExactly() {
        assertThat(ScriptedChatServer.pieces("Hello, world! It's 19:00.  "))
                .containsExactly("Hello", ",", " world", "!", " It's", " 19", ":", "00", ".  ");
        assertThat(ScriptedChatServer.pieces("")).isEmpty();
        assertThat(ScriptedChatServer.pieces("  ")).containsExactly("  ");
        String text = "Ünïcode — “quotes” and\nnew lines\t too";
        assertThat(String.join("", ScriptedChatServer.pieces(text))).isEqualTo(text);
    }

    // --- Spring AI's real client ----------------------------------------------------------------

    @Test
    void springAiCallsItAsOpenAi() {
        llm.when(r -> r.userSaid("seven")).reply("A table for two at seven, noted.");

        ChatResponse response = chatModel().call(new Prompt(List.of(new SystemMessage("You book tables at Luigi's."),
                new UserMessage("Two people at seven?"))));

        assertThat(response.getResult().getOutput().getText()).isEqualTo("A table for two at seven, noted.");
        assertThat(response.getResult().getOutput().getToolCalls()).isEmpty();
        assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("STOP");
        assertThat(response.getMetadata().getModel()).isEqualTo("gpt-4o-mini");
        assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo(9);
        ChatRequest sent = llm.awaitServed(1, WAIT).getFirst();
        assertThat(sent.stream()).isFalse();
        assertThat(sent.systemPrompt()).hasValue("You book tables at Luigi's.");
        assertThat(sent.lastUserText()).isEqualTo("Two people at seven?");
        assertThat(sent.header("Authorization")).hasValue("Bearer test");
        assertThat(sent.toolNames()).isEmpty();
    }

    @Test
    void springAiStreamsItInManyChunks() {
        String text = "Of course, I can book a table for two at seven tonight.";
        llm.when(r -> r.userSaid("table")).tokenDelay(Duration.ofMillis(10)).reply(text);

        List<Long> arrivals = new CopyOnWriteArrayList<>();
        List<ChatResponse> responses = chatModel().stream(new Prompt("A table for two at seven, please."))
                .doOnNext(r -> arrivals.add(System.nanoTime()))
                .collectList().block(WAIT);

        List<String> pieces = texts(responses);
        assertThat(pieces).hasSize(ScriptedChatServer.pieces(text).size()).startsWith("Of", " course", ",");
        assertThat(String.join("", pieces)).isEqualTo(text);
        assertThat((arrivals.getLast() - arrivals.getFirst()) / 1_000_000).isGreaterThanOrEqualTo(12 * 10);
        // Spring AI asks for stream_options.include_usage by default; the usage comes last.
        assertThat(responses.getLast().getMetadata().getUsage().getCompletionTokens()).isEqualTo(pieces.size());
        ChatRequest sent = llm.awaitServed(1, WAIT).getFirst();
        assertThat(sent.stream()).isTrue();
        assertThat(sent.includeUsage()).isTrue();
    }

    @Test
    void chatClientRunsTheToolLoop() {
        scriptBooking();
        BookingTools tools = new BookingTools();

        String answer = ChatClient.create(chatModel()).prompt()
                .system("You book tables at Luigi's.")
                .user("A table for two at seven, please.")
                .tools(tools)
                .call().content();

        assertThat(tools.calls).containsExactly("2@19:00");
        assertThat(answer).isEqualTo("Your table is booked: {\"confirmed\":true,\"reference\":\"R-42\"}");
        assertBookingConversation(llm.awaitServed(2, WAIT), false);
    }

    @Test
    void chatClientRunsTheToolLoopStreaming() {
        scriptBooking();
        BookingTools tools = new BookingTools();

        List<String> pieces = ChatClient.create(chatModel()).prompt()
                .system("You book tables at Luigi's.")
                .user("A table for two at seven, please.")
                .tools(tools)
                .stream().content()
                .collectList().block(WAIT);

        assertThat(tools.calls).containsExactly("2@19:00");
        assertThat(pieces).hasSizeGreaterThan(5);
        assertThat(String.join("", pieces)).isEqualTo("Your table is booked: {\"confirmed\":true,\"reference\":\"R-42\"}");
        assertBookingConversation(llm.awaitServed(2, WAIT), true);
    }

    @Test
    void toolLoopDrivenByHandWithStreaming() {
        // What a voice loop does: stream the model's text to speech as it comes, run the tools
        // itself when the model asks, and stream the answer to the tool results.
        llm.when(r -> r.userSaid("table")).replyWithTextThenToolCalls("One moment.",
                        ToolCall.of("book_table", "{\"people\":2,\"time\":\"19:00\"}"))
                .when(ChatRequest::lastMessageIsToolResult).reply(r -> "Booked: " + r.lastToolResult());
        BookingTools tools = new BookingTools();
        OpenAiChatModel model = chatModel();
        // Prompt options replace the model's (they are not merged), so start from the model's.
        OpenAiChatOptions options = model.getOptions().mutate().toolCallbacks(ToolCallbacks.from(tools)).build();
        ToolCallingManager toolCalling = ToolCallingManager.builder().build();
        Prompt prompt = new Prompt(List.of(new SystemMessage("You book tables at Luigi's."),
                new UserMessage("A table for two at seven, please.")), options);

        List<ChatResponse> first = model.stream(prompt).collectList().block(WAIT);

        // The text before the call streams piece by piece as usual. Every chunk from the call's
        // first delta to the end of the stream is merged into one ChatResponse, emitted when the
        // stream ends, with the whole call (arguments complete) and the usage: Spring AI 2.0.1's
        // ChunkMerger.toolCallsDone compares finish reasons with ==, which the SDK's parsed values
        // never are, so the merge runs on past finish_reason "tool_calls".
        assertThat(String.join("", texts(first))).isEqualTo("One moment.");
        List<ChatResponse> withCalls = first.stream().filter(ChatResponse::hasToolCalls).toList();
        assertThat(withCalls).hasSize(1);
        ChatResponse callResponse = withCalls.getFirst();
        assertThat(first.getLast()).isSameAs(callResponse);
        assertThat(callResponse.getMetadata().getUsage().getTotalTokens()).isPositive();
        AssistantMessage asked = callResponse.getResult().getOutput();
        String servedId = llm.awaitServed(1, WAIT).getFirst().served().orElseThrow().toolCalls().getFirst().id();
        assertThat(asked.getToolCalls()).containsExactly(
                new AssistantMessage.ToolCall(servedId, "function", "book_table", "{\"people\":2,\"time\":\"19:00\"}"));
        assertThat(callResponse.getResult().getMetadata().getFinishReason()).isEqualTo("TOOL_CALLS");
        assertThat(tools.calls).isEmpty();

        ToolExecutionResult executed = toolCalling.executeToolCalls(prompt, callResponse);

        assertThat(tools.calls).containsExactly("2@19:00");
        List<Message> history = executed.conversationHistory();
        assertThat(history).extracting(Message::getMessageType)
                .containsExactly(MessageType.SYSTEM, MessageType.USER, MessageType.ASSISTANT, MessageType.TOOL);
        ToolResponseMessage result = (ToolResponseMessage) history.getLast();
        assertThat(result.getResponses()).singleElement().satisfies(r -> {
            assertThat(r.id()).isEqualTo(servedId);
            assertThat(r.name()).isEqualTo("book_table");
            assertThat(r.responseData()).isEqualTo("{\"confirmed\":true,\"reference\":\"R-42\"}");
        });

        List<ChatResponse> second = model.stream(new Prompt(history, options)).collectList().block(WAIT);

        assertThat(String.join("", texts(second))).isEqualTo("Booked: {\"confirmed\":true,\"reference\":\"R-42\"}");
        assertThat(second).noneMatch(ChatResponse::hasToolCalls);
        ChatRequest followUp = llm.awaitServed(2, WAIT).get(1);
        ChatMessage sentAssistant = followUp.messages().get(2);
        assertThat(sentAssistant.isAssistant()).isTrue();
        // MessageAggregator is not in this path: the history carries the call's message, not the text.
        assertThat(sentAssistant.toolCalls()).extracting(ToolCall::id).containsExactly(servedId);
        assertThat(followUp.toolResults()).singleElement().satisfies(m -> assertThat(m.toolCallId()).isEqualTo(servedId));
    }

    @Test
    void toolResultSentBackByHand() {
        // Without ToolCallingManager: answer AssistantMessage.getToolCalls() with a
        // ToolResponseMessage of the same ids, after the assistant message, in the next prompt.
        llm.when(r -> r.userSaid("table")).replyWithToolCalls(ToolCall.of("book_table", "{\"people\":2,\"time\":\"19:00\"}"),
                        ToolCall.of("book_table", "{\"people\":4,\"time\":\"20:00\"}"))
                .when(ChatRequest::lastMessageIsToolResult)
                .reply(r -> r.toolResults().stream().map(ChatMessage::text).collect(Collectors.joining(" and ")));
        OpenAiChatModel model = chatModel();
        OpenAiChatOptions options = model.getOptions().mutate().toolCallbacks(ToolCallbacks.from(new BookingTools())).build();
        List<Message> history = new ArrayList<>(List.of(new UserMessage("Two tables, please.")));

        AssistantMessage asked = model.call(new Prompt(history, options)).getResult().getOutput();

        assertThat(asked.getToolCalls()).hasSize(2).allSatisfy(call -> {
            assertThat(call.id()).startsWith("call_");
            assertThat(call.type()).isEqualTo("function");
            assertThat(call.name()).isEqualTo("book_table");
        });
        assertThat(asked.getToolCalls()).extracting(AssistantMessage.ToolCall::arguments)
                .containsExactly("{\"people\":2,\"time\":\"19:00\"}", "{\"people\":4,\"time\":\"20:00\"}");
        history.add(asked);
        history.add(ToolResponseMessage.builder().responses(asked.getToolCalls().stream()
                .map(call -> new ToolResponseMessage.ToolResponse(call.id(), call.name(), "ok " + call.arguments()))
                .toList()).build());

        String answer = model.call(new Prompt(history, options)).getResult().getOutput().getText();

        assertThat(answer).isEqualTo("ok {\"people\":2,\"time\":\"19:00\"} and ok {\"people\":4,\"time\":\"20:00\"}");
        // One ToolResponseMessage goes out as one tool message per response.
        assertThat(llm.awaitServed(2, WAIT).get(1).toolResults()).hasSize(2);
    }

    @Test
    void springAiRunsOnTheOkHttpThisBuildResolves() throws Exception {
        // spring-ai-openai 2.0.1 is built against OkHttp 4.12; the parent pom's okhttp-bom pins
        // 5.3.2, whose `okhttp` artifact holds no classes, so they come from okhttp-jvm 5.3.2
        // (through livekit-server). The other Spring AI tests here show that combination works.
        Class<?> okHttp = Class.forName("okhttp3.OkHttp");
        assertThat(okHttp.getField("VERSION").get(null)).isEqualTo("5.3.2");
        assertThat(okHttp.getProtectionDomain().getCodeSource().getLocation().getPath()).contains("okhttp-jvm-5.3.2");
        llm.otherwise().reply("ok");
        assertThat(chatModel().call(new Prompt("ping")).getResult().getOutput().getText()).isEqualTo("ok");
    }

    @Test
    void theServerSeesAClientCancelAStream() {
        // A voice agent cancels the LLM's stream when the caller barges in.
        llm.when(r -> true).tokenDelay(Duration.ofMillis(30))
                .reply("This is a long answer that the caller interrupts after a few words, so most of it is never sent.");

        List<ChatResponse> heard = chatModel().stream(new Prompt("Tell me everything.")).take(4).collectList().block(WAIT);

        assertThat(heard).hasSize(4);
        ServedReply served = llm.awaitServed(1, WAIT).getFirst().served().orElseThrow();
        assertThat(served.completed()).isFalse();
        assertThat(served.kind()).isEqualTo(ServedReply.Kind.TEXT);
    }

    @Test
    void springAiThrowsOnAnErrorStatus() {
        llm.when(r -> r.userSaid("busy")).replyWithError(429, "Rate limit reached for gpt-4o-mini.")
                .when(r -> r.userSaid("key")).replyWithError(401, "Incorrect API key provided.");
        OpenAiChatModel model = chatModel();

        assertThatThrownBy(() -> model.call(new Prompt("Are you busy?")))
                .isInstanceOf(RateLimitException.class).hasMessageContaining("Rate limit reached for gpt-4o-mini.");
        // A stream fails with the SDK's exception wrapped, as the async client completes its future.
        assertThatThrownBy(() -> model.stream(new Prompt("Are you busy?")).blockLast(WAIT))
                .isInstanceOf(CompletionException.class).cause().isInstanceOf(RateLimitException.class);
        assertThatThrownBy(() -> model.call(new Prompt("Wrong key?")))
                .isInstanceOf(UnauthorizedException.class).hasMessageContaining("Incorrect API key provided.");
        assertThat(llm.awaitServed(3, WAIT)).hasSize(3);
    }

    @Test
    void springAiRetriesServerErrorsUnlessToldNot() {
        llm.when(r -> true).once().replyWithError(503, "The engine is currently overloaded.")
                .otherwise().reply("Here I am.");

        String answer = chatModel(Duration.ofSeconds(20), 1).call(new Prompt("Hello?")).getResult().getOutput().getText();

        assertThat(answer).isEqualTo("Here I am.");
        assertThat(llm.awaitServed(2, WAIT)).extracting(r -> r.served().orElseThrow().status()).containsExactly(503, 200);
    }

    @Test
    void springAiTimesOutOnAHang() {
        llm.when(r -> true).hang();
        OpenAiChatModel model = chatModel(Duration.ofMillis(500), 0);

        long start = System.nanoTime();
        // OkHttp's call timeout: InterruptedIOException("timeout"), caused by the socket it closed.
        assertThatThrownBy(() -> model.call(new Prompt("Hello?")))
                .isInstanceOf(OpenAIIoException.class)
                .cause().isInstanceOf(InterruptedIOException.class).hasMessage("timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(450), Duration.ofSeconds(5));
        assertThatThrownBy(() -> model.stream(new Prompt("Hello?")).blockLast(WAIT))
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(OpenAIIoException.class)
                .cause().isInstanceOf(InterruptedIOException.class);
        assertThat(llm.requests()).hasSize(2).allSatisfy(r -> assertThat(r.served()).isEmpty());
    }

    @Test
    void springAiFailsOnABrokenStream() {
        llm.when(r -> r.userSaid("cut")).replyMalformed(Reply.Malformation.STREAM_CUT)
                .when(r -> r.userSaid("error")).replyMalformed(Reply.Malformation.STREAM_ERROR_EVENT)
                .when(r -> r.userSaid("json")).replyMalformed(Reply.Malformation.BODY_NOT_JSON);
        OpenAiChatModel model = chatModel();

        List<String> received = new CopyOnWriteArrayList<>();
        assertThatThrownBy(() -> model.stream(new Prompt("cut")).doOnNext(r -> received.addAll(texts(List.of(r)))).blockLast(WAIT))
                .hasRootCauseInstanceOf(IOException.class);
        assertThat(String.join("", received)).isEqualTo("This answer is cut");
        assertThatThrownBy(() -> model.stream(new Prompt("error")).blockLast(WAIT))
                .isInstanceOf(SseException.class).hasMessageContaining("The server had an error");
        assertThatThrownBy(() -> model.stream(new Prompt("json")).blockLast(WAIT))
                .isInstanceOf(OpenAIException.class);
    }

    @Test
    void springAiToolLoopAnswersArgumentsThatAreNotJsonWithTheParseError() {
        llm.when(r -> r.userSaid("table")).replyMalformed(Reply.Malformation.TOOL_ARGUMENTS_NOT_JSON)
                .when(ChatRequest::lastMessageIsToolResult).reply(r -> "Tool said: " + r.lastToolResult());
        BookingTools tools = new BookingTools();

        String answer = ChatClient.create(chatModel()).prompt().user("A table, please.").tools(tools).call().content();

        // Spring AI does not throw: the tool is not run, and the parse error goes back to the
        // model as the tool's result (DefaultToolExecutionExceptionProcessor), as it would to GPT.
        assertThat(tools.calls).isEmpty();
        assertThat(answer).startsWith("Tool said: Unexpected end-of-input");
        assertThat(llm.awaitServed(2, WAIT).get(1).lastToolResult()).startsWith("Unexpected end-of-input");
    }

    /** The booking conversation: the user asks, the model calls book_table, then answers its result. */
    private void scriptBooking() {
        llm.when(r -> r.userSaid("table")).replyWithToolCall("book_table", "{\"people\":2,\"time\":\"19:00\"}")
                .when(ChatRequest::lastMessageIsToolResult).reply(r -> "Your table is booked: " + r.lastToolResult());
    }

    private static void assertBookingConversation(List<ChatRequest> requests, boolean stream) {
        ChatRequest ask = requests.get(0);
        assertThat(ask.stream()).isEqualTo(stream);
        assertThat(ask.toolNames()).containsExactly("book_table");
        JsonNode parameters = ask.tools().path(0).path("function").path("parameters");
        assertThat(parameters.path("properties").has("people")).isTrue();
        assertThat(parameters.path("properties").has("time")).isTrue();
        String callId = ask.served().orElseThrow().toolCalls().getFirst().id();

        ChatRequest followUp = requests.get(1);
        assertThat(followUp.stream()).isEqualTo(stream);
        assertThat(followUp.messages()).extracting(ChatMessage::role).containsExactly("system", "user", "assistant", "tool");
        assertThat(followUp.messages().get(2).toolCalls())
                .containsExactly(new ToolCall(callId, "book_table", "{\"people\":2,\"time\":\"19:00\"}"));
        assertThat(followUp.toolResults()).singleElement().satisfies(m -> {
            assertThat(m.toolCallId()).isEqualTo(callId);
            assertThat(m.text()).isEqualTo("{\"confirmed\":true,\"reference\":\"R-42\"}");
        });
        assertThat(followUp.toolNames()).containsExactly("book_table");
    }

    private OpenAiChatModel chatModel() {
        return chatModel(Duration.ofSeconds(20), 0);
    }

    /** Spring AI's OpenAI chat model as an application builds it, pointed at the scripted server. */
    private OpenAiChatModel chatModel(Duration timeout, int maxRetries) {
        return OpenAiChatModel.builder()
                .options(OpenAiChatOptions.builder()
                        .baseUrl(llm.baseUrl())
                        .apiKey("test")
                        .model("gpt-4o-mini")
                        .timeout(timeout)
                        .maxRetries(maxRetries)
                        .build())
                .build();
    }

    /** The non-empty text pieces of streamed responses (the usage-only one has no result). */
    private static List<String> texts(List<ChatResponse> responses) {
        return responses.stream()
                .filter(r -> r.getResult() != null && r.getResult().getOutput().getText() != null)
                .map(r -> r.getResult().getOutput().getText())
                .filter(t -> !t.isEmpty())
                .toList();
    }

    /** A Spring AI tool, the way an application writes one. */
    static final class BookingTools {

        final List<String> calls = new CopyOnWriteArrayList<>();

        record Booking(boolean confirmed, String reference) {
        }

        @Tool(name = "book_table", description = "Books a table at the restaurant")
        public Booking bookTable(@ToolParam(description = "How many people") int people,
                @ToolParam(description = "The time, HH:mm") String time) {
            calls.add(people + "@" + time);
            return new Booking(true, "R-42");
        }
    }

    // --- helpers --------------------------------------------------------------------------------

    /** A request as an OpenAI client sends it: a system prompt and one user message. */
    private static ObjectNode request(boolean stream, String userText) {
        ObjectNode body = JSON.createObjectNode().put("model", "gpt-4o-mini").put("temperature", 0.2);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "You book tables at Luigi's.");
        messages.addObject().put("role", "user").put("content", userText);
        if (stream) {
            body.put("stream", true);
        }
        return body;
    }

    private static ObjectNode withIncludeUsage(ObjectNode body) {
        body.putObject("stream_options").put("include_usage", true);
        return body;
    }

    private static ObjectNode withTool(ObjectNode body) {
        ObjectNode function = body.putArray("tools").addObject().put("type", "function").putObject("function")
                .put("name", "book_table").put("description", "Books a table");
        ObjectNode parameters = function.putObject("parameters").put("type", "object");
        parameters.putObject("properties").putObject("people").put("type", "integer");
        return body;
    }

    private HttpRequest httpRequest(JsonNode body) {
        return HttpRequest.newBuilder(URI.create(llm.baseUrl() + "/chat/completions"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer test")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
    }

    private HttpResponse<String> post(ObjectNode body) throws IOException, InterruptedException {
        return http.send(httpRequest(body), HttpResponse.BodyHandlers.ofString());
    }

    private static String text(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).path("choices").path(0).path("message").path("content").asText();
    }

    /** The JSON chunks of an SSE body, without the final [DONE]. */
    private static List<JsonNode> sse(String body) throws IOException {
        List<JsonNode> chunks = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            assertThat(event).startsWith("data: ");
            String data = event.substring("data: ".length());
            if (!data.equals("[DONE]")) {
                chunks.add(JSON.readTree(data));
            }
        }
        return chunks;
    }
}
