package io.openrtc.rtc;

import io.openrtc.observe.SessionMdc;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import livekit.LivekitModels;
import livekit.LivekitModels.DataPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LiveKit's RPC, version 1 on the wire (what LiveKit's SDKs use toward a participant that
 * advertises client protocol 0, as this client does): {@code RpcRequest}, {@code RpcAck},
 * {@code RpcResponse} data packets, reliable, addressed to one identity.
 *
 * <p><b>Answering.</b> Each request gets its own virtual thread, which first acknowledges it, then
 * runs the method's handler and sends the response: the payload, or an error with LiveKit's code
 * (1400 no handler, 1404 not version 1, 1500 the handler threw something else than an
 * {@link RpcError}, 1504 response too large, 1502 the handler ran past the caller's timeout and
 * was interrupted).
 *
 * <p><b>Bounded.</b> A session answers at most {@link #MAX_CONCURRENT_REQUESTS} requests at once,
 * so a caller (or a bug in a front end) firing requests in a loop cannot pile up threads. Past the
 * bound a request is acknowledged and answered at once with LiveKit's timeout code, 1502, and the
 * message "Too many requests", which callers treat as "try again later"; up to
 * {@link #MAX_PENDING_REFUSALS} such answers wait for the one thread that sends them, and past
 * that a request is dropped and its caller's own ack timeout (1501) answers it.
 *
 * <p><b>Calling.</b> {@link #perform} sends the request and waits: no ack within
 * {@link #ACK_TIMEOUT} gives 1501, no response within the caller's timeout (counted from sending)
 * 1502, the callee leaving 1503. The incoming-packet methods run on the room's event loop and
 * never block.
 */
final class RpcManager {

    private static final Logger log = LoggerFactory.getLogger(RpcManager.class);

    /** How long a callee has to acknowledge a request (LiveKit's SDKs use the same 7 s). */
    static final Duration ACK_TIMEOUT = Duration.ofSeconds(7);
    /** The response timeout assumed when a request states none. */
    static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(15);
    static final int VERSION = 1;
    /** Requests one session answers at once; more are refused until one ends. */
    static final int MAX_CONCURRENT_REQUESTS = 16;
    /** Refusals waiting to be sent; more requests than that are dropped (the caller times out). */
    static final int MAX_PENDING_REFUSALS = 32;
    static final String TOO_MANY_REQUESTS = "Too many requests";

    /** A request refused for the bound, waiting for its answer to be sent. */
    private record Refusal(String caller, String requestId) {
    }

    private static final class Pending {
        final String destination;
        final CompletableFuture<String> result = new CompletableFuture<>();
        volatile boolean acked;
        ScheduledFuture<?> ackTimer;
        ScheduledFuture<?> responseTimer;

        Pending(String destination) {
            this.destination = destination;
        }

        void cancelTimers() {
            if (ackTimer != null) {
                ackTimer.cancel(false);
            }
            if (responseTimer != null) {
                responseTimer.cancel(false);
            }
        }
    }

    private final String room;
    private final PacketSender sender;
    private final ScheduledExecutorService timers;
    private final DataCounters counters;
    private final Predicate<String> isRemoteParticipant;
    private final Map<String, RpcHandler> handlers = new ConcurrentHashMap<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();
    private final Duration ackTimeout;
    private final int maxConcurrentRequests;
    private final Semaphore answering;
    private final ArrayDeque<Refusal> refusals = new ArrayDeque<>(); // guarded by itself
    private boolean refusing; // a thread sends the refusals; guarded by refusals
    private volatile boolean closed;

    RpcManager(String room, PacketSender sender, ScheduledExecutorService timers, DataCounters counters,
            Predicate<String> isRemoteParticipant) {
        this(room, sender, timers, counters, isRemoteParticipant, ACK_TIMEOUT);
    }

    RpcManager(String room, PacketSender sender, ScheduledExecutorService timers, DataCounters counters,
            Predicate<String> isRemoteParticipant, Duration ackTimeout) {
        this(room, sender, timers, counters, isRemoteParticipant, ackTimeout, MAX_CONCURRENT_REQUESTS);
    }

    RpcManager(String room, PacketSender sender, ScheduledExecutorService timers, DataCounters counters,
            Predicate<String> isRemoteParticipant, Duration ackTimeout, int maxConcurrentRequests) {
        this.maxConcurrentRequests = maxConcurrentRequests;
        this.answering = new Semaphore(maxConcurrentRequests);
        this.room = room;
        this.sender = sender;
        this.timers = timers;
        this.counters = counters;
        this.isRemoteParticipant = isRemoteParticipant;
        this.ackTimeout = ackTimeout;
    }

    // ---------------------------------------------------------------------------------------
    // Handlers

    void register(String method, RpcHandler handler) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(handler, "handler");
        if (method.isEmpty()) {
            throw new IllegalArgumentException("an RPC method name must not be empty");
        }
        if (handlers.putIfAbsent(method, handler) != null) {
            throw new IllegalStateException("RPC method '" + method + "' is already registered; unregister it first");
        }
    }

    boolean unregister(String method) {
        return handlers.remove(method) != null;
    }

    /** Loop: an incoming request. Everything else happens on the request's own virtual thread. */
    void onRequest(String callerIdentity, LivekitModels.RpcRequest request) {
        if (request.getId().isEmpty()) {
            counters.malformed(log, room, "an RPC request without an id from '" + callerIdentity + "'");
            return;
        }
        if (callerIdentity.isEmpty()) {
            counters.malformed(log, room, "RPC request " + request.getId() + " without a caller identity");
            return;
        }
        if (closed) {
            return;
        }
        if (!answering.tryAcquire()) {
            refuse(callerIdentity, request);
            return;
        }
        Thread.ofVirtual().name("rpc-" + request.getMethod()).start(SessionMdc.propagate(() -> {
            try {
                answer(callerIdentity, request);
            } finally {
                answering.release();
            }
        }));
    }

    /** Loop: the session is answering as many requests as it may; refuse this one, without blocking. */
    private void refuse(String caller, LivekitModels.RpcRequest request) {
        String what = "'" + request.getMethod() + "' (request " + request.getId() + ") from '" + caller + "': "
                + maxConcurrentRequests + " requests are being answered already";
        boolean start;
        synchronized (refusals) {
            if (refusals.size() >= MAX_PENDING_REFUSALS) {
                counters.refusedRpc(log, room, what + ", and " + MAX_PENDING_REFUSALS
                        + " refusals wait to be sent; dropped, the caller's timeout answers it");
                return;
            }
            refusals.add(new Refusal(caller, request.getId()));
            start = !refusing;
            refusing = true;
        }
        counters.refusedRpc(log, room, what + "; answered " + RpcError.RESPONSE_TIMEOUT + " " + TOO_MANY_REQUESTS);
        if (start) {
            Thread.ofVirtual().name("rpc-refusals").start(SessionMdc.propagate(this::sendRefusals));
        }
    }

    /** The one thread that answers refused requests, until none is left. */
    private void sendRefusals() {
        while (true) {
            Refusal refusal;
            synchronized (refusals) {
                refusal = closed ? null : refusals.poll();
                if (refusal == null) {
                    refusals.clear();
                    refusing = false;
                    return;
                }
            }
            try {
                // Acknowledged too, so that no caller waits for its ack timeout before reading the answer.
                send(refusal.caller(), DataPacket.newBuilder().setRpcAck(
                        LivekitModels.RpcAck.newBuilder().setRequestId(refusal.requestId())));
                send(refusal.caller(), DataPacket.newBuilder().setRpcResponse(LivekitModels.RpcResponse.newBuilder()
                        .setRequestId(refusal.requestId()).setError(LivekitModels.RpcError.newBuilder()
                                .setCode(RpcError.RESPONSE_TIMEOUT).setMessage(TOO_MANY_REQUESTS)
                                .setData("this session answers at most " + maxConcurrentRequests
                                        + " requests at once; try again later"))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                synchronized (refusals) {
                    refusals.clear();
                    refusing = false;
                }
                return;
            } catch (RoomException | RuntimeException e) {
                log.debug("Room {}: could not refuse RPC request {}: {}", room, refusal.requestId(), e.toString());
            }
        }
    }

    private void answer(String caller, LivekitModels.RpcRequest request) {
        Thread self = Thread.currentThread();
        running.add(self);
        try {
            send(caller, DataPacket.newBuilder().setRpcAck(LivekitModels.RpcAck.newBuilder().setRequestId(request.getId())));
            String payload = null;
            RpcError error = null;
            RpcHandler handler = handlers.get(request.getMethod());
            if (request.getVersion() != VERSION) {
                error = RpcError.builtIn(RpcError.UNSUPPORTED_VERSION, "this participant speaks RPC version " + VERSION
                        + ", the request is version " + request.getVersion());
            } else if (handler == null) {
                error = RpcError.builtIn(RpcError.UNSUPPORTED_METHOD, "no handler for '" + request.getMethod() + "'");
            } else {
                Duration timeout = request.getResponseTimeoutMs() > 0
                        ? Duration.ofMillis(Integer.toUnsignedLong(request.getResponseTimeoutMs()))
                        : DEFAULT_RESPONSE_TIMEOUT;
                RpcInvocation invocation = new RpcInvocation(request.getId(), caller, request.getMethod(),
                        request.getPayload(), timeout);
                try {
                    payload = runHandler(handler, invocation, timeout);
                    int bytes = payload.getBytes(StandardCharsets.UTF_8).length;
                    if (bytes > RpcError.MAX_PAYLOAD_BYTES) {
                        log.warn("Room {}: the response of RPC method '{}' is {} bytes, over LiveKit's limit of {}; "
                                + "answered RESPONSE_PAYLOAD_TOO_LARGE", room, request.getMethod(), bytes, RpcError.MAX_PAYLOAD_BYTES);
                        error = RpcError.builtIn(RpcError.RESPONSE_PAYLOAD_TOO_LARGE, "the response is " + bytes
                                + " bytes; the limit is " + RpcError.MAX_PAYLOAD_BYTES + " bytes");
                        payload = null;
                    }
                } catch (RpcError e) {
                    error = e;
                }
                counters.rpcCallsHandled.incrementAndGet();
            }
            LivekitModels.RpcResponse.Builder response = LivekitModels.RpcResponse.newBuilder().setRequestId(request.getId());
            if (error != null) {
                response.setError(LivekitModels.RpcError.newBuilder().setCode(error.code())
                        .setMessage(error.getMessage()).setData(error.data()));
            } else {
                response.setPayload(payload);
            }
            send(caller, DataPacket.newBuilder().setRpcResponse(response));
        } catch (InterruptedException e) {
            log.debug("Room {}: RPC request {} interrupted (the room is closing)", room, request.getId());
        } catch (RoomException | RuntimeException e) {
            log.warn("Room {}: could not answer RPC request {} ('{}') from '{}': {}", room, request.getId(),
                    request.getMethod(), caller, e.getMessage());
        } finally {
            running.remove(self);
        }
    }

    /** Runs the handler on its own virtual thread and waits for it, at most {@code timeout}. */
    private String runHandler(RpcHandler handler, RpcInvocation invocation, Duration timeout)
            throws RpcError, InterruptedException {
        FutureTask<String> task = new FutureTask<>(() -> handler.handle(invocation));
        Thread worker = Thread.ofVirtual().name("rpc-handler-" + invocation.method()).start(SessionMdc.propagate(task));
        running.add(worker);
        try {
            String result = task.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return result == null ? "" : result;
        } catch (TimeoutException e) {
            task.cancel(true);
            log.warn("Room {}: RPC method '{}' did not answer '{}' within the caller's {} ms; interrupted it",
                    room, invocation.method(), invocation.callerIdentity(), timeout.toMillis());
            throw RpcError.builtIn(RpcError.RESPONSE_TIMEOUT, "the handler did not answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RpcError rpcError) {
                throw rpcError;
            }
            // The exception's text stays here: it may hold details the caller should not see.
            log.warn("Room {}: RPC method '{}' failed for '{}'; answered APPLICATION_ERROR", room, invocation.method(),
                    invocation.callerIdentity(), cause);
            throw RpcError.builtIn(RpcError.APPLICATION_ERROR, "");
        } catch (InterruptedException e) {
            task.cancel(true);
            throw e;
        } finally {
            running.remove(worker);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Calls

    String perform(String destination, String method, String payload, Duration responseTimeout)
            throws RpcError, InterruptedException {
        Objects.requireNonNull(destination, "destinationIdentity");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
        if (method.isEmpty()) {
            throw new IllegalArgumentException("the RPC method name must not be empty");
        }
        if (responseTimeout.isNegative() || responseTimeout.isZero()) {
            throw new IllegalArgumentException("the RPC response timeout must be positive, was " + responseTimeout);
        }
        int bytes = Utf8Chunks.encode(payload, "the RPC payload").length;
        if (bytes > RpcError.MAX_PAYLOAD_BYTES) {
            throw RpcError.builtIn(RpcError.REQUEST_PAYLOAD_TOO_LARGE, "the payload is " + bytes
                    + " bytes; LiveKit's RPC payload limit is " + RpcError.MAX_PAYLOAD_BYTES + " bytes");
        }
        if (closed) {
            throw RpcError.builtIn(RpcError.RECIPIENT_DISCONNECTED, "this room is closed");
        }
        if (!isRemoteParticipant.test(destination)) {
            throw RpcError.builtIn(RpcError.RECIPIENT_NOT_FOUND, "no participant '" + destination + "' in the room");
        }
        String id = UUID.randomUUID().toString();
        Pending call = new Pending(destination);
        pending.put(id, call);
        counters.rpcCallsPerformed.incrementAndGet();
        try {
            try {
                send(destination, DataPacket.newBuilder().setRpcRequest(LivekitModels.RpcRequest.newBuilder()
                        .setId(id).setMethod(method).setPayload(payload)
                        .setResponseTimeoutMs((int) Math.min(Integer.MAX_VALUE, responseTimeout.toMillis()))
                        .setVersion(VERSION)));
            } catch (RoomException e) {
                throw RpcError.builtIn(RpcError.SEND_FAILED, e.getMessage());
            } catch (RoomClosedException e) {
                throw RpcError.builtIn(RpcError.RECIPIENT_DISCONNECTED, e.getMessage());
            }
            try {
                scheduleTimers(id, call, method, responseTimeout);
            } catch (RejectedExecutionException e) {
                throw RpcError.builtIn(RpcError.RECIPIENT_DISCONNECTED, "the WebRTC runtime is closing");
            }
            if (call.result.isDone()) {
                call.cancelTimers(); // answered (or failed) before the timers existed
            }
            try {
                return call.result.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RpcError rpcError) {
                    throw rpcError;
                }
                throw RpcError.builtIn(RpcError.SEND_FAILED, String.valueOf(e.getCause()));
            }
        } finally {
            pending.remove(id);
            call.cancelTimers();
        }
    }

    private void scheduleTimers(String id, Pending call, String method, Duration responseTimeout) {
        String destination = call.destination;
        call.ackTimer = timers.schedule(() -> {
            if (!call.acked) {
                fail(id, RpcError.builtIn(RpcError.CONNECTION_TIMEOUT, "'" + destination + "' did not acknowledge '"
                        + method + "' within " + ackTimeout.toMillis() + " ms"));
            }
        }, ackTimeout.toNanos(), TimeUnit.NANOSECONDS);
        call.responseTimer = timers.schedule(() -> fail(id, RpcError.builtIn(RpcError.RESPONSE_TIMEOUT,
                "no answer to '" + method + "' from '" + destination + "' within " + responseTimeout.toMillis() + " ms")),
                responseTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Loop: an ack for one of our calls. */
    void onAck(LivekitModels.RpcAck ack) {
        Pending call = pending.get(ack.getRequestId());
        if (call == null) {
            log.debug("Room {}: an RPC ack for an unknown (finished) request {}", room, ack.getRequestId());
            return;
        }
        call.acked = true;
        if (call.ackTimer != null) {
            call.ackTimer.cancel(false);
        }
    }

    /** Loop: a response to one of our calls. */
    void onResponse(String senderIdentity, LivekitModels.RpcResponse response) {
        Pending call = pending.get(response.getRequestId());
        if (call == null) {
            log.debug("Room {}: an RPC response for an unknown (finished) request {}", room, response.getRequestId());
            return;
        }
        if (!senderIdentity.isEmpty() && !senderIdentity.equals(call.destination)) {
            counters.malformed(log, room, "a response to RPC request " + response.getRequestId() + " from '"
                    + senderIdentity + "', not from the callee '" + call.destination + "'");
            return;
        }
        call.acked = true;
        call.cancelTimers();
        switch (response.getValueCase()) {
            case PAYLOAD -> call.result.complete(response.getPayload());
            case ERROR -> call.result.completeExceptionally(RpcError.fromWire(response.getError().getCode(),
                    response.getError().getMessage(), response.getError().getData()));
            default -> call.result.completeExceptionally(RpcError.builtIn(RpcError.APPLICATION_ERROR,
                    "the response carried neither a payload nor an error"));
        }
    }

    /** Loop: a participant left; calls to it fail with RECIPIENT_DISCONNECTED. */
    void participantLeft(String identity) {
        for (Map.Entry<String, Pending> entry : pending.entrySet()) {
            if (entry.getValue().destination.equals(identity)) {
                fail(entry.getKey(), RpcError.builtIn(RpcError.RECIPIENT_DISCONNECTED, "'" + identity + "' left the room"));
            }
        }
    }

    /** Fails every call in flight (a full rejoin: their answers would go to the old connection). */
    void failPending(String why) {
        for (String id : new ArrayList<>(pending.keySet())) {
            fail(id, RpcError.builtIn(RpcError.RECIPIENT_DISCONNECTED, why));
        }
    }

    /** The room closed: calls fail, running handlers are interrupted, new requests are ignored. */
    void close(String why) {
        closed = true;
        failPending(why);
        List<Thread> threads = new ArrayList<>(running);
        threads.forEach(Thread::interrupt);
    }

    /** Calls waiting for an answer. */
    int pendingCalls() {
        return pending.size();
    }

    private void fail(String id, RpcError error) {
        Pending call = pending.get(id);
        if (call != null) {
            call.cancelTimers();
            call.result.completeExceptionally(error);
        }
    }

    private void send(String destination, DataPacket.Builder packet) throws RoomException, InterruptedException {
        packet.addDestinationIdentities(destination);
        sender.send(packet, true);
    }
}
