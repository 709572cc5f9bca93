package io.openrtc.test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * <b>The one stub of the voice tests:</b> a scripted, OpenAI-compatible chat-completions server on
 * a loopback port, standing in for the LLM because no tool-capable chat model can be had here.
 * Everything else in the voice tests is real; this server speaks the real wire protocol (the same
 * JSON and server-sent-event shapes as OpenAI's, streaming and not, with tool calls) so that real
 * clients, Spring AI's {@code OpenAiChatModel} on the official OpenAI Java SDK or LiveKit Agents'
 * OpenAI plugin, work against it unchanged. Only what it <em>says</em> is scripted.
 *
 * <p>Point a client at {@link #baseUrl()} ({@code http://127.0.0.1:PORT/v1}; for Spring AI 2.x the
 * value of {@code spring.ai.openai.base-url}) with any API key. It serves
 * {@code POST /v1/chat/completions} and {@code GET /v1/models}.
 *
 * <p>A script is a list of rules, tried in order against each request; the first that matches
 * (and has uses left) answers. A rule matches on the request: the last user message's text,
 * whether the last message is a tool result, the system prompt, the tools offered...
 * Mind that the follow-up request carrying a tool result still has the same last user message:
 * match the user's turn with {@link ChatRequest#userSaid(String)} (the last message is the user's),
 * or put the tool-result rule first.
 *
 * <pre>{@code
 * try (ScriptedChatServer llm = ScriptedChatServer.start()) {
 *     llm.when(r -> r.userSaid("table")).replyWithToolCall("book_table", "{\"people\":2,\"time\":\"19:00\"}")
 *        .when(ChatRequest::lastMessageIsToolResult).reply(r -> "Your table is booked: " + r.lastToolResult())
 *        .otherwise().reply("Sorry, I can only book tables.");
 *     // ... run the agent against llm.baseUrl(), then assert what the LLM was sent:
 *     assertThat(llm.requests().get(1).lastToolResult()).contains("confirmed");
 * }
 * }</pre>
 *
 * <p>Text is streamed in word-sized pieces (a word with its leading space, or one punctuation
 * mark), so a client sees many small deltas as from a real model; tool-call arguments are streamed
 * in pieces too. Each rule can wait a "think time" before its first token and a delay between
 * pieces ({@link RuleBuilder#thinkTime(Duration)}, {@link RuleBuilder#tokenDelay(Duration)}, or the
 * server-wide defaults). Replies can also be HTTP errors with OpenAI's error body, hangs (for
 * timeouts) and {@linkplain Reply.Malformation malformed} answers.
 *
 * <p>Like OpenAI, the server rejects (HTTP 400) a conversation whose tool messages do not answer
 * the tool calls before them, so a client that loses a tool result fails here as it would there;
 * {@link #strictHistory(boolean)} turns that off.
 *
 * <p>Every request is recorded ({@link #requests()}) with what was answered and the server's own
 * processing time, which each response also carries as the {@code X-Processing-Ms} header (time to
 * the first byte; for a stream, to the first token). For benchmarks, {@link #fixedReply(String,
 * Duration)} answers every request with the same text after exactly the same think time, and
 * {@link #main(String[])} runs the server on its own for other runtimes.
 */
public final class ScriptedChatServer implements AutoCloseable {

    /** The model name {@code GET /v1/models} lists first, and tests use. */
    public static final String DEFAULT_MODEL = "gpt-4o-mini";

    private static final Logger log = LoggerFactory.getLogger(ScriptedChatServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    // A word (letters, digits, apostrophes) or one other visible character, with the whitespace
    // before it: close to how a BPE tokenizer cuts English, and the pieces join back exactly.
    private static final Pattern PIECE = Pattern.compile("\\s*(?:[\\p{L}\\p{N}_'’]+|[^\\s\\p{L}\\p{N}_'’])");
    private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String FINGERPRINT = "fp_scripted";

    private final HttpServer http;
    private final ExecutorService executor;
    private final String baseUrl;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Deque<ChatRequest> recorded = new ArrayDeque<>();
    private final AtomicInteger sequence = new AtomicInteger();
    private volatile Rule fallback;
    private volatile Duration defaultThinkTime = Duration.ZERO;
    private volatile Duration defaultTokenDelay = Duration.ZERO;
    private volatile boolean strictHistory = true;
    private volatile int recordLimit = Integer.MAX_VALUE;
    private volatile Consumer<ChatRequest> servedListener = request -> {
    };

    private ScriptedChatServer(InetAddress host, int port) throws IOException {
        http = HttpServer.create(new InetSocketAddress(host, port), 1024);
        // One virtual thread per exchange: hangs, think times and streams block their thread, and a
        // benchmark may hold hundreds of them open at once.
        executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("scripted-chat-", 0).factory());
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
        String hostText = host.getHostAddress().contains(":") ? "[" + host.getHostAddress() + "]" : host.getHostAddress();
        baseUrl = "http://" + hostText + ":" + http.getAddress().getPort() + "/v1";
    }

    /**
     * Starts a server on a free port of 127.0.0.1. Until rules are added it answers every chat
     * request with HTTP 400 naming the request, so an unscripted call fails loudly.
     */
    public static ScriptedChatServer start() {
        return start(0);
    }

    /**
     * Starts a server on the given port of 127.0.0.1 (0 for a free one).
     *
     * @throws UncheckedIOException if the port cannot be bound
     */
    public static ScriptedChatServer start(int port) {
        return start(InetAddress.getLoopbackAddress(), port);
    }

    private static ScriptedChatServer start(InetAddress host, int port) {
        try {
            return new ScriptedChatServer(host, port);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the scripted chat server on " + host + ":" + port, e);
        }
    }

    /** The base URL an OpenAI client takes, {@code http://127.0.0.1:PORT/v1}. */
    public String baseUrl() {
        return baseUrl;
    }

    /** The port the server listens on. */
    public int port() {
        return http.getAddress().getPort();
    }

    /**
     * Starts a rule that answers the requests matching {@code condition}; finish it with one of the
     * {@link RuleBuilder}'s reply methods. Rules are tried in the order they were added.
     */
    public RuleBuilder when(Predicate<ChatRequest> condition) {
        Objects.requireNonNull(condition, "condition");
        return new RuleBuilder(this, condition, false);
    }

    /** Starts the rule that answers requests no other rule matches (replacing an earlier one). */
    public RuleBuilder otherwise() {
        return new RuleBuilder(this, request -> true, true);
    }

    /**
     * Benchmark mode: drops every rule and answers every request with {@code text} after exactly
     * {@code thinkTime}, from having read the request to sending its first token (a stream's first
     * chunk, or the whole answer when not streaming). Streams pace their pieces with the
     * {@link #defaultTokenDelay(Duration) default token delay}, which a non-streaming answer then
     * also waits out; with the default of zero it comes after exactly {@code thinkTime}.
     */
    public ScriptedChatServer fixedReply(String text, Duration thinkTime) {
        rules.clear();
        return otherwise().thinkTime(thinkTime).reply(text);
    }

    /** The think time of rules that set none (initially zero). */
    public ScriptedChatServer defaultThinkTime(Duration thinkTime) {
        this.defaultThinkTime = nonNegative(thinkTime, "thinkTime");
        return this;
    }

    /** The delay between streamed pieces of rules that set none (initially zero). */
    public ScriptedChatServer defaultTokenDelay(Duration tokenDelay) {
        this.defaultTokenDelay = nonNegative(tokenDelay, "tokenDelay");
        return this;
    }

    /**
     * Whether to reject, as OpenAI does, a conversation whose {@code tool} messages do not answer
     * the preceding assistant message's tool calls one for one (initially true).
     */
    public ScriptedChatServer strictHistory(boolean strict) {
        this.strictHistory = strict;
        return this;
    }

    /**
     * Keeps only the last {@code limit} requests in {@link #requests()}, for long benchmark runs
     * (initially unbounded).
     */
    public ScriptedChatServer recordLimit(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        this.recordLimit = limit;
        synchronized (recorded) {
            while (recorded.size() > limit) {
                recorded.removeFirst();
            }
        }
        return this;
    }

    /** Drops every rule, including the {@link #otherwise()} one. */
    public ScriptedChatServer clearRules() {
        rules.clear();
        fallback = null;
        return this;
    }

    /** The chat requests received so far (up to the {@link #recordLimit(int) limit}), oldest first. */
    public List<ChatRequest> requests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    /** The last chat request received. */
    public ChatRequest lastRequest() {
        synchronized (recorded) {
            if (recorded.isEmpty()) {
                throw new IllegalStateException("no chat request was received at " + baseUrl);
            }
            return recorded.getLast();
        }
    }

    /**
     * Waits until at least {@code count} requests are recorded and each of the first {@code count}
     * has been {@linkplain ChatRequest#served() served} (a client can have read a whole answer a
     * moment before the server records it), and returns them.
     *
     * @throws org.awaitility.core.ConditionTimeoutException if that takes longer than {@code timeout}
     */
    public List<ChatRequest> awaitServed(int count, Duration timeout) {
        Awaitility.await("ScriptedChatServer at " + baseUrl + " serving " + count + " chat requests")
                .atMost(timeout)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    List<ChatRequest> all = requests();
                    return all.size() >= count && all.subList(0, count).stream().allMatch(r -> r.served().isPresent());
                });
        return requests().subList(0, count);
    }

    /** Forgets the recorded requests (the request numbering goes on). */
    public ScriptedChatServer clearRequests() {
        synchronized (recorded) {
            recorded.clear();
        }
        return this;
    }

    /**
     * Stops the server: hanging and waiting replies end by dropping their connections, and the
     * port is released.
     */
    @Override
    public void close() {
        if (closed.getCount() == 0) {
            return;
        }
        closed.countDown();
        http.stop(0);
        executor.shutdownNow();
    }

    // --- the rules --------------------------------------------------------------------------

    /**
     * The second half of a rule: how it answers. Optional settings ({@link #thinkTime(Duration)},
     * {@link #tokenDelay(Duration)}, {@link #times(int)}) come first; each reply method adds the
     * rule and returns the server, so rules chain.
     */
    public static final class RuleBuilder {

        private final ScriptedChatServer server;
        private final Predicate<ChatRequest> condition;
        private final boolean fallback;
        private Duration thinkTime;
        private Duration tokenDelay;
        private int times = -1;

        private RuleBuilder(ScriptedChatServer server, Predicate<ChatRequest> condition, boolean fallback) {
            this.server = server;
            this.condition = condition;
            this.fallback = fallback;
        }

        /** Waits this long after reading the request before the first token (or error) goes out. */
        public RuleBuilder thinkTime(Duration thinkTime) {
            this.thinkTime = nonNegative(thinkTime, "thinkTime");
            return this;
        }

        /** Waits this long between two streamed pieces (non-streaming: adds up before the answer). */
        public RuleBuilder tokenDelay(Duration tokenDelay) {
            this.tokenDelay = nonNegative(tokenDelay, "tokenDelay");
            return this;
        }

        /** Answers only the first {@code n} matching requests; later ones go to the next rules. */
        public RuleBuilder times(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("times must be at least 1: " + n);
            }
            this.times = n;
            return this;
        }

        /** Same as {@code times(1)}. */
        public RuleBuilder once() {
            return times(1);
        }

        /** Answers with this text. */
        public ScriptedChatServer reply(String text) {
            return respond(Reply.text(text));
        }

        /** Answers with text made from the request, e.g. {@code r -> "Booked: " + r.lastToolResult()}. */
        public ScriptedChatServer reply(Function<ChatRequest, String> text) {
            return respond(Reply.text(text));
        }

        /** Answers with one call of the tool {@code name} with these arguments (a JSON text). */
        public ScriptedChatServer replyWithToolCall(String name, String arguments) {
            return respond(Reply.toolCall(name, arguments));
        }

        /** Answers with parallel tool calls; see {@link ToolCall#of(String, String)}. */
        public ScriptedChatServer replyWithToolCalls(ToolCall... calls) {
            return respond(Reply.toolCalls(calls));
        }

        /** Answers with some text and then tool calls, in one assistant message. */
        public ScriptedChatServer replyWithTextThenToolCalls(String text, ToolCall... calls) {
            return respond(Reply.textThenToolCalls(text, calls));
        }

        /** Answers with an HTTP error and OpenAI's error body; see {@link Reply#error(int, String)}. */
        public ScriptedChatServer replyWithError(int status, String message) {
            return respond(Reply.error(status, message));
        }

        /** Answers with an HTTP error and OpenAI's error body, every field chosen. */
        public ScriptedChatServer replyWithError(int status, String type, String code, String message) {
            return respond(Reply.error(status, type, code, message));
        }

        /** Never answers; the connection drops when the server closes. */
        public ScriptedChatServer hang() {
            return respond(Reply.hang());
        }

        /** Answers in a protocol-breaking way. */
        public ScriptedChatServer replyMalformed(Reply.Malformation malformation) {
            return respond(Reply.malformed(malformation));
        }

        /** Answers with this reply. */
        public ScriptedChatServer respond(Reply reply) {
            Objects.requireNonNull(reply, "reply");
            return respond(request -> reply);
        }

        /** Answers with a reply chosen per request. */
        public ScriptedChatServer respond(Function<ChatRequest, Reply> reply) {
            Objects.requireNonNull(reply, "reply");
            Rule rule = new Rule(condition, reply, thinkTime, tokenDelay, times);
            if (fallback) {
                server.fallback = rule;
            } else {
                server.rules.add(rule);
            }
            return server;
        }
    }

    private static final class Rule {
        final Predicate<ChatRequest> condition;
        final Function<ChatRequest, Reply> reply;
        final Duration thinkTime;
        final Duration tokenDelay;
        final AtomicInteger remaining;

        Rule(Predicate<ChatRequest> condition, Function<ChatRequest, Reply> reply, Duration thinkTime,
                Duration tokenDelay, int times) {
            this.condition = condition;
            this.reply = reply;
            this.thinkTime = thinkTime;
            this.tokenDelay = tokenDelay;
            this.remaining = new AtomicInteger(times);
        }

        boolean claim() {
            while (true) {
                int left = remaining.get();
                if (left < 0) {
                    return true;
                }
                if (left == 0) {
                    return false;
                }
                if (remaining.compareAndSet(left, left - 1)) {
                    return true;
                }
            }
        }
    }

    // --- HTTP ------------------------------------------------------------------------------------

    /** Thrown inside a handler to make the HTTP server drop the connection without finishing it. */
    private static final class DropConnection extends RuntimeException {
        DropConnection() {
            super(null, null, false, false);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        boolean drop = false;
        try {
            if (path.equals("/v1/chat/completions") || path.equals("/chat/completions")) {
                if (!method.equals("POST")) {
                    sendError(exchange, start, 405, "invalid_request_error", null,
                            "Not allowed to " + method + " on " + path + " (use POST).");
                    return;
                }
                handleCompletion(exchange, start);
            } else if (method.equals("GET") && (path.equals("/v1/models") || path.equals("/models"))) {
                ObjectNode list = JSON.createObjectNode().put("object", "list");
                ArrayNode data = list.putArray("data");
                for (String id : modelIds()) {
                    data.add(model(id));
                }
                sendJson(exchange, start, 200, list);
            } else if (method.equals("GET") && (path.startsWith("/v1/models/") || path.startsWith("/models/"))) {
                sendJson(exchange, start, 200, model(path.substring(path.lastIndexOf('/') + 1)));
            } else {
                sendError(exchange, start, 404, "invalid_request_error", null,
                        "Invalid URL (" + method + " " + path + ")");
            }
        } catch (DropConnection e) {
            // Closing the exchange would end the body properly; the point is that it does not end.
            drop = true;
            throw e;
        } catch (RuntimeException e) {
            log.warn("scripted chat server failed on {} {}", method, path, e);
            throw e;
        } finally {
            if (!drop) {
                exchange.close();
            }
        }
    }

    private List<String> modelIds() {
        Set<String> ids = new LinkedHashSet<>();
        ids.add(DEFAULT_MODEL);
        for (ChatRequest request : requests()) {
            if (!request.model().isEmpty()) {
                ids.add(request.model());
            }
        }
        return List.copyOf(ids);
    }

    private static ObjectNode model(String id) {
        return JSON.createObjectNode().put("id", id).put("object", "model").put("created", 1_700_000_000L)
                .put("owned_by", "openrtc-scripted");
    }

    private void handleCompletion(HttpExchange exchange, long start) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        // Think times count from here, when the request is whole, as a model's work would.
        long read = System.nanoTime();
        Instant receivedAt = Instant.now();
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            sendError(exchange, start, 400, "invalid_request_error", null,
                    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your"
                            + " HTTP library correctly. The OpenAI API expects a JSON payload.)");
            return;
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        ChatRequest request = new ChatRequest(sequence.getAndIncrement(), receivedAt, exchange.getRequestURI().getPath(),
                Map.copyOf(headers), json);
        record(request);

        Answer answer = new Answer(exchange, request, read, receivedAt);
        String invalid = validate(request);
        if (invalid != null) {
            try {
                answer.error(new Reply.HttpError(400, "invalid_request_error", null, invalid), Duration.ZERO);
            } finally {
                answer.finish();
            }
            return;
        }
        Rule rule = null;
        Reply reply;
        String text = null;
        try {
            rule = choose(request);
            reply = rule == null
                    ? new Reply.HttpError(400, "invalid_request_error", "scripted_no_rule",
                            "ScriptedChatServer: no rule matches " + request)
                    : Objects.requireNonNull(rule.reply.apply(request), "a rule answered null");
            if (reply instanceof Reply.Text scripted) {
                text = Objects.requireNonNull(scripted.text().apply(request), "a rule's text was null");
            }
        } catch (RuntimeException e) {
            log.warn("a scripted chat rule failed on {}", request, e);
            // 400, not 5xx: clients retry 5xx, and a broken script should fail once and loudly.
            reply = new Reply.HttpError(400, "invalid_request_error", "scripted_rule_failed",
                    "ScriptedChatServer: a rule failed on " + request + ": " + e);
        }
        Duration think = rule != null && rule.thinkTime != null ? rule.thinkTime : defaultThinkTime;
        Duration tokenDelay = rule != null && rule.tokenDelay != null ? rule.tokenDelay : defaultTokenDelay;
        answer.tokenDelay = tokenDelay;
        answer.thinkTime = think;
        try {
            switch (reply) {
                case Reply.Text scripted -> answer.text(text);
                case Reply.ToolCalls calls -> answer.toolCalls(calls.text(), withIds(calls.calls()), false);
                case Reply.HttpError error -> answer.error(error, think);
                case Reply.Hang hang -> answer.hang();
                case Reply.Malformed malformed -> answer.malformed(malformed.malformation());
            }
        } finally {
            answer.finish();
        }
    }

    private Rule choose(ChatRequest request) {
        for (Rule rule : rules) {
            if (rule.condition.test(request) && rule.claim()) {
                return rule;
            }
        }
        Rule last = fallback;
        return last != null && last.claim() ? last : null;
    }

    private void record(ChatRequest request) {
        synchronized (recorded) {
            recorded.addLast(request);
            while (recorded.size() > recordLimit) {
                recorded.removeFirst();
            }
        }
    }

    /** OpenAI's own checks of a conversation that a client's history bugs trip. */
    private String validate(ChatRequest request) {
        if (request.model().isEmpty()) {
            return "you must provide a model parameter";
        }
        JsonNode messages = request.json().get("messages");
        if (messages == null || !messages.isArray()) {
            return "Missing required parameter: 'messages'.";
        }
        if (messages.isEmpty()) {
            return "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array"
                    + " instead.";
        }
        if (!strictHistory) {
            return null;
        }
        List<ChatMessage> list = request.messages();
        for (int i = 0; i < list.size(); i++) {
            ChatMessage message = list.get(i);
            if (message.isToolResult()) {
                // A tool message must belong to the run of tool messages right after an assistant
                // message with tool calls, and answer one of those calls.
                int j = i - 1;
                while (j >= 0 && list.get(j).isToolResult()) {
                    j--;
                }
                Set<String> ids = new HashSet<>();
                if (j >= 0 && list.get(j).isAssistant()) {
                    list.get(j).toolCalls().forEach(call -> ids.add(call.id()));
                }
                if (!ids.contains(message.toolCallId())) {
                    return "Invalid parameter: messages with role 'tool' must be a response to a preceding message with"
                            + " 'tool_calls'. (messages[" + i + "], tool_call_id " + message.toolCallId() + ")";
                }
            } else if (message.isAssistant() && !message.toolCalls().isEmpty()) {
                Set<String> unanswered = new LinkedHashSet<>();
                message.toolCalls().forEach(call -> unanswered.add(call.id()));
                for (int j = i + 1; j < list.size() && list.get(j).isToolResult(); j++) {
                    unanswered.remove(list.get(j).toolCallId());
                }
                if (!unanswered.isEmpty()) {
                    return "An assistant message with 'tool_calls' must be followed by tool messages responding to each"
                            + " 'tool_call_id'. The following tool_call_ids did not have response messages: "
                            + String.join(", ", unanswered);
                }
            }
        }
        return null;
    }

    private static List<ToolCall> withIds(List<ToolCall> calls) {
        List<ToolCall> out = new ArrayList<>(calls.size());
        for (ToolCall call : calls) {
            out.add(call.id() == null ? new ToolCall("call_" + randomId(24), call.name(), call.arguments()) : call);
        }
        return out;
    }

    /** One response being written, and what is recorded about it. */
    private final class Answer {
        final HttpExchange exchange;
        final ChatRequest request;
        final long read;
        final Instant receivedAt;
        final String id = "chatcmpl-" + randomId(29);
        final long created = Instant.now().getEpochSecond();
        Duration thinkTime = Duration.ZERO;
        Duration tokenDelay = Duration.ZERO;
        ServedReply.Kind kind = ServedReply.Kind.ERROR;
        int status;
        String sentText = "";
        List<ToolCall> sentCalls = List.of();
        int completionTokens;
        long processingMs = -1;
        Instant firstByteAt;
        boolean completed;
        OutputStream out;

        Answer(HttpExchange exchange, ChatRequest request, long read, Instant receivedAt) {
            this.exchange = exchange;
            this.request = request;
            this.read = read;
            this.receivedAt = receivedAt;
        }

        void text(String text) throws IOException {
            kind = ServedReply.Kind.TEXT;
            sentText = text;
            List<String> pieces = pieces(text);
            completionTokens = pieces.size();
            if (!request.stream()) {
                awaitGeneration(pieces.size());
                ObjectNode message = JSON.createObjectNode().put("role", "assistant").put("content", text);
                message.putNull("refusal");
                message.putArray("annotations");
                sendCompletion(message, "stop");
                completed = true;
                return;
            }
            beginStream();
            streamText(pieces);
            endStream("stop", true);
        }

        void toolCalls(String text, List<ToolCall> calls, boolean malformed) throws IOException {
            kind = malformed ? ServedReply.Kind.MALFORMED : ServedReply.Kind.TOOL_CALLS;
            sentText = text;
            sentCalls = calls;
            List<String> textPieces = pieces(text);
            List<List<String>> argumentPieces = calls.stream().map(call -> pieces(call.arguments())).toList();
            completionTokens = textPieces.size() + calls.size() + argumentPieces.stream().mapToInt(List::size).sum();
            if (!request.stream()) {
                awaitGeneration(completionTokens);
                ObjectNode message = JSON.createObjectNode().put("role", "assistant");
                if (text.isEmpty()) {
                    message.putNull("content");
                } else {
                    message.put("content", text);
                }
                message.putNull("refusal");
                message.putArray("annotations");
                ArrayNode toolCalls = message.putArray("tool_calls");
                for (ToolCall call : calls) {
                    toolCalls.addObject().put("id", call.id()).put("type", "function").putObject("function")
                            .put("name", call.name()).put("arguments", call.arguments());
                }
                sendCompletion(message, "tool_calls");
                completed = true;
                return;
            }
            beginStream();
            boolean first = true;
            if (!textPieces.isEmpty()) {
                streamText(textPieces);
                first = false;
            }
            for (int i = 0; i < calls.size(); i++) {
                ToolCall call = calls.get(i);
                // As OpenAI streams a call: its index, id, type and name once, with empty arguments,
                // then only the index and the next piece of the arguments.
                if (!first) {
                    pause(tokenDelay);
                }
                ObjectNode delta = JSON.createObjectNode();
                if (first) {
                    delta.put("role", "assistant").putNull("content");
                }
                ObjectNode head = delta.putArray("tool_calls").addObject().put("index", i).put("id", call.id())
                        .put("type", "function");
                head.putObject("function").put("name", call.name()).put("arguments", "");
                if (first) {
                    delta.putNull("refusal");
                }
                send(chunk(delta, null));
                first = false;
                for (String piece : argumentPieces.get(i)) {
                    pause(tokenDelay);
                    ObjectNode argumentDelta = JSON.createObjectNode();
                    argumentDelta.putArray("tool_calls").addObject().put("index", i).putObject("function")
                            .put("arguments", piece);
                    send(chunk(argumentDelta, null));
                }
            }
            endStream("tool_calls", true);
        }

        void error(Reply.HttpError error, Duration think) throws IOException {
            kind = ServedReply.Kind.ERROR;
            pauseUntil(read + think.toNanos());
            sendError(error.status(), error.type(), error.code(), error.message());
            completed = true;
        }

        void hang() {
            kind = ServedReply.Kind.HANG;
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new DropConnection();
        }

        void malformed(Reply.Malformation malformation) throws IOException {
            kind = ServedReply.Kind.MALFORMED;
            switch (malformation) {
                case TOOL_ARGUMENTS_NOT_JSON -> {
                    String name = request.toolNames().isEmpty() ? "unknown_tool" : request.toolNames().getFirst();
                    toolCalls("", withIds(List.of(ToolCall.of(name, "{\"people\": 2, \"time\": \"19:00"))), true);
                }
                case BODY_NOT_JSON -> {
                    String text = "This answer breaks off";
                    sentText = text;
                    awaitGeneration(1);
                    if (!request.stream()) {
                        byte[] body = ("{\"id\":\"" + id + "\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                                + "\"message\":{\"role\":\"assistant\",\"content\":\"" + text)
                                .getBytes(StandardCharsets.UTF_8);
                        exchange.getResponseHeaders().set("Content-Type", "application/json");
                        sendHeaders(200, body.length);
                        out.write(body);
                        completed = true;
                        return;
                    }
                    beginStream();
                    streamText(List.of(text));
                    write("data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                            + "\"delta\":{\"content\":\" and\n\n");
                    write("data: [DONE]\n\n");
                    completed = true;
                }
                case STREAM_CUT -> {
                    List<String> pieces = pieces("This answer is cut off in the middle of");
                    sentText = String.join("", pieces.subList(0, 4));
                    if (!request.stream()) {
                        awaitGeneration(pieces.size());
                        byte[] body = ("{\"id\":\"" + id + "\",\"object\":\"chat.completion\",\"choices\":[")
                                .getBytes(StandardCharsets.UTF_8);
                        exchange.getResponseHeaders().set("Content-Type", "application/json");
                        sendHeaders(200, body.length + 200L);
                        out.write(body);
                        out.flush();
                        throw new DropConnection();
                    }
                    beginStream();
                    streamText(pieces.subList(0, 4));
                    throw new DropConnection();
                }
                case STREAM_WITHOUT_DONE -> {
                    String text = "This stream has no end marker.";
                    if (!request.stream()) {
                        text(text);
                        kind = ServedReply.Kind.MALFORMED;
                        return;
                    }
                    sentText = text;
                    List<String> pieces = pieces(text);
                    completionTokens = pieces.size();
                    beginStream();
                    streamText(pieces);
                    endStream("stop", false);
                }
                case STREAM_ERROR_EVENT -> {
                    if (!request.stream()) {
                        error(new Reply.HttpError(500, "server_error", null,
                                "The server had an error while processing your request. Sorry about that!"), thinkTime);
                        kind = ServedReply.Kind.MALFORMED;
                        return;
                    }
                    List<String> pieces = pieces("This answer fails after a few words");
                    sentText = String.join("", pieces.subList(0, 4));
                    beginStream();
                    streamText(pieces.subList(0, 4));
                    ObjectNode error = JSON.createObjectNode();
                    error.putObject("error").put("message", "The server had an error while processing your request."
                            + " Sorry about that!").put("type", "server_error").putNull("param").putNull("code");
                    send(error);
                    completed = true;
                }
            }
        }

        /** Non-streaming: the whole answer is ready after the think time and every piece's delay. */
        void awaitGeneration(int pieces) {
            pauseUntil(read + thinkTime.toNanos() + Math.max(0, pieces - 1) * tokenDelay.toNanos());
        }

        void beginStream() throws IOException {
            pauseUntil(read + thinkTime.toNanos());
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            sendHeaders(200, 0);
        }

        /** The role chunk (as OpenAI's first chunk: role, empty content), then the text's pieces. */
        void streamText(List<String> pieces) throws IOException {
            ObjectNode role = JSON.createObjectNode().put("role", "assistant").put("content", "");
            role.putNull("refusal");
            send(chunk(role, null));
            for (int i = 0; i < pieces.size(); i++) {
                if (i > 0) {
                    pause(tokenDelay);
                }
                send(chunk(JSON.createObjectNode().put("content", pieces.get(i)), null));
            }
        }

        void endStream(String finishReason, boolean done) throws IOException {
            send(chunk(JSON.createObjectNode(), finishReason));
            if (request.includeUsage()) {
                ObjectNode usage = base();
                usage.putArray("choices");
                usage.set("usage", usage());
                send(usage);
            }
            if (done) {
                write("data: [DONE]\n\n");
            }
            completed = true;
        }

        ObjectNode base() {
            return JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                    .put("model", request.model()).put("system_fingerprint", FINGERPRINT);
        }

        ObjectNode chunk(ObjectNode delta, String finishReason) {
            ObjectNode chunk = base();
            ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
            choice.set("delta", delta);
            choice.putNull("logprobs");
            if (finishReason == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", finishReason);
            }
            if (request.includeUsage()) {
                // OpenAI marks every chunk but the last with "usage": null when usage was asked for.
                chunk.putNull("usage");
            }
            return chunk;
        }

        ObjectNode usage() {
            int prompt = promptTokens();
            ObjectNode usage = JSON.createObjectNode().put("prompt_tokens", prompt)
                    .put("completion_tokens", completionTokens).put("total_tokens", prompt + completionTokens);
            usage.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
            usage.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                    .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
            return usage;
        }

        int promptTokens() {
            int count = 0;
            for (ChatMessage message : request.messages()) {
                // A few tokens of framing per message, as OpenAI's count has.
                count += 4 + pieces(message.text()).size();
                for (ToolCall call : message.toolCalls()) {
                    count += 1 + pieces(call.arguments()).size();
                }
            }
            return count;
        }

        void sendCompletion(ObjectNode message, String finishReason) throws IOException {
            ObjectNode completion = JSON.createObjectNode().put("id", id).put("object", "chat.completion")
                    .put("created", created).put("model", request.model());
            ObjectNode choice = completion.putArray("choices").addObject().put("index", 0);
            choice.set("message", message);
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason);
            completion.set("usage", usage());
            completion.put("service_tier", "default").put("system_fingerprint", FINGERPRINT);
            byte[] body = JSON.writeValueAsBytes(completion);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            sendHeaders(200, body.length);
            out.write(body);
        }

        void sendError(int code, String type, String errorCode, String message) throws IOException {
            status = code;
            byte[] body = JSON.writeValueAsBytes(errorBody(type, errorCode, message));
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            sendHeaders(code, body.length);
            out.write(body);
        }

        void sendHeaders(int code, long length) throws IOException {
            status = code;
            processingMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - read);
            exchange.getResponseHeaders().set("X-Processing-Ms", Long.toString(processingMs));
            exchange.getResponseHeaders().set("X-Request-Id", "req_" + randomId(24));
            exchange.sendResponseHeaders(code, length);
            firstByteAt = Instant.now();
            out = exchange.getResponseBody();
        }

        void send(JsonNode event) throws IOException {
            write("data: " + JSON.writeValueAsString(event) + "\n\n");
        }

        void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            // Each event must reach the client now, not when a buffer fills: that is the stream.
            out.flush();
        }

        void pause(Duration duration) {
            if (!duration.isZero()) {
                pauseUntil(System.nanoTime() + duration.toNanos());
            }
        }

        /** Waits until {@code deadline} (a {@link System#nanoTime()}), or drops the connection on close. */
        void pauseUntil(long deadline) {
            try {
                long left;
                while ((left = deadline - System.nanoTime()) > 0) {
                    if (closed.await(left, TimeUnit.NANOSECONDS)) {
                        throw new DropConnection();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DropConnection();
            }
        }

        void finish() {
            ServedReply served = new ServedReply(kind, status, sentText, sentCalls, thinkTime, tokenDelay,
                    promptTokens(), completionTokens, processingMs, receivedAt, firstByteAt, Instant.now(), completed);
            request.served(served);
            try {
                servedListener.accept(request);
            } catch (RuntimeException e) {
                log.warn("the served-request listener failed", e);
            }
        }
    }

    private static void sendJson(HttpExchange exchange, long start, int status, JsonNode json) throws IOException {
        byte[] body = JSON.writeValueAsBytes(json);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("X-Processing-Ms",
                Long.toString(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)));
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private static void sendError(HttpExchange exchange, long start, int status, String type, String code, String message)
            throws IOException {
        sendJson(exchange, start, status, errorBody(type, code, message));
    }

    private static ObjectNode errorBody(String type, String code, String message) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error").put("message", message).put("type", type);
        error.putNull("param");
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        return body;
    }

    /**
     * Splits text into the pieces a stream sends: a word (with the whitespace before it) or one
     * other character; joined, they give back the text exactly.
     */
    static List<String> pieces(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher matcher = PIECE.matcher(text);
        int end = 0;
        while (matcher.find()) {
            pieces.add(matcher.group());
            end = matcher.end();
        }
        if (end < text.length()) {
            // Only trailing whitespace is left; it belongs to the last piece.
            String rest = text.substring(end);
            if (pieces.isEmpty()) {
                pieces.add(rest);
            } else {
                pieces.set(pieces.size() - 1, pieces.getLast() + rest);
            }
        }
        return pieces;
    }

    private static String randomId(int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder id = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            id.append(ID_CHARS.charAt(random.nextInt(ID_CHARS.length())));
        }
        return id.toString();
    }

    private static Duration nonNegative(Duration duration, String name) {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + duration);
        }
        return duration;
    }

    // --- standalone ------------------------------------------------------------------------------

    /**
     * Runs the server on its own, for benchmarks of other runtimes (LiveKit Agents for Python with
     * livekit-plugins-openai pointed at the printed base URL): every request is answered with the
     * same text after the same think time.
     *
     * <pre>
     * java -cp CLASSPATH io.openrtc.test.ScriptedChatServer [--host 127.0.0.1] [--port 0]
     *     [--think-ms 0] [--token-ms 0] [--reply TEXT] [--log-requests]
     * </pre>
     *
     * <p>The first line on standard output is {@code ScriptedChatServer listening on BASE_URL}.
     * With {@code --log-requests}, one line per request follows when it is done, with its
     * processing time ({@code processing_ms}: to the first token) and total time. It runs until
     * killed.
     */
    public static void main(String[] args) throws InterruptedException {
        ScriptedChatServer server;
        try {
            server = launch(args, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "scripted-chat-shutdown"));
        server.closed.await();
    }

    static final String USAGE = "usage: ScriptedChatServer [--host 127.0.0.1] [--port 0] [--think-ms 0] [--token-ms 0]"
            + " [--reply TEXT] [--log-requests]";

    /** {@link #main(String[])} without the waiting: starts the server the arguments describe. */
    static ScriptedChatServer launch(String[] args, PrintStream out) {
        String host = "127.0.0.1";
        int port = 0;
        long thinkMs = 0;
        long tokenMs = 0;
        String reply = "Sure, I can help you with that. What would you like to do?";
        boolean logRequests = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--host" -> host = value(args, ++i, arg);
                case "--port" -> port = Integer.parseInt(value(args, ++i, arg));
                case "--think-ms" -> thinkMs = Long.parseLong(value(args, ++i, arg));
                case "--token-ms" -> tokenMs = Long.parseLong(value(args, ++i, arg));
                case "--reply" -> reply = value(args, ++i, arg);
                case "--log-requests" -> logRequests = true;
                case "-h", "--help" -> throw new IllegalArgumentException("ScriptedChatServer: a scripted OpenAI-compatible"
                        + " chat server");
                default -> throw new IllegalArgumentException("unknown argument: " + arg);
            }
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (IOException e) {
            throw new IllegalArgumentException("unknown host: " + host, e);
        }
        ScriptedChatServer server = start(address, port);
        // A benchmark sends many requests; keep memory flat.
        server.recordLimit(1000).defaultTokenDelay(Duration.ofMillis(tokenMs))
                .fixedReply(reply, Duration.ofMillis(thinkMs));
        if (logRequests) {
            server.servedListener = request -> request.served().ifPresent(served -> out.println("request=" + request.index()
                    + " stream=" + request.stream() + " status=" + served.status() + " kind=" + served.kind()
                    + " think_ms=" + served.thinkTime().toMillis() + " processing_ms=" + served.processingMs()
                    + " total_ms=" + served.totalTime().toMillis() + " completion_tokens=" + served.completionTokens()
                    + " completed=" + served.completed()));
        }
        out.println("ScriptedChatServer listening on " + server.baseUrl());
        out.flush();
        return server;
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[i];
    }
}
