package io.openrtc.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
        assertThat(Long.parseLong(response.headers().firstValue("X-Processing-Ms").orElseThrow())).isBetween(250L, 400L);
        assertThat(Long.parseLong(plain.headers().firstValue("X-Processing-Ms").orElseThrow())).isBetween(250L, 400L);
        assertThat(llm.awaitServed(2, WAIT)).allSatisfy(r -> {
            ServedReply served = r.served().orElseThrow();
            assertThat(served.thinkTime()).isEqualTo(Duration.ofMillis(250));
            assertThat(served.processingMs()).isBetween(250L, 400L);
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
