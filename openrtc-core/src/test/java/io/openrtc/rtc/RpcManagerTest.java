package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import livekit.LivekitModels;
import livekit.LivekitModels.DataPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RpcManagerTest {

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final RecordingPacketSender sender = new RecordingPacketSender();
    private final DataCounters counters = new DataCounters();
    private final RpcManager rpc = new RpcManager("test", sender, timers, counters, Set.of("caller", "callee")::contains,
            Duration.ofMillis(300));

    @AfterEach
    void tearDown() {
        rpc.close("test over");
        timers.shutdownNow();
    }

    // ---- answering ----

    @Test
    void acknowledgesFirstThenAnswersWithTheHandlersResult() throws Exception {
        rpc.register("greet", call -> "hello " + call.callerIdentity() + ", you sent " + call.payload());
        rpc.onRequest("caller", request("r1", "greet", "x", 5_000, 1));

        DataPacket ack = sender.next().packet();
        assertThat(ack.getRpcAck().getRequestId()).isEqualTo("r1");
        assertThat(ack.getDestinationIdentitiesList()).containsExactly("caller");
        DataPacket response = sender.next().packet();
        assertThat(response.getRpcResponse().getRequestId()).isEqualTo("r1");
        assertThat(response.getRpcResponse().getPayload()).isEqualTo("hello caller, you sent x");
        assertThat(response.getKind()).isEqualTo(DataPacket.Kind.RELIABLE);
        assertThat(counters.snapshot().rpcCallsHandled()).isEqualTo(1);
    }

    @Test
    void mapsFailuresToLiveKitsCodes() throws Exception {
        rpc.register("boom", call -> {
            throw new IllegalStateException("secret database password in here");
        });
        rpc.register("refuse", call -> {
            throw new RpcError(4001, "no tables left", "{\"date\":\"friday\"}");
        });
        rpc.register("huge", call -> "x".repeat(RpcError.MAX_PAYLOAD_BYTES + 1));

        assertThat(errorFor("caller", request("1", "nobody", "", 5_000, 1)).getCode()).isEqualTo(RpcError.UNSUPPORTED_METHOD);
        assertThat(errorFor("caller", request("2", "boom", "", 5_000, 2)).getCode()).isEqualTo(RpcError.UNSUPPORTED_VERSION);
        LivekitModels.RpcError boom = errorFor("caller", request("3", "boom", "", 5_000, 1));
        assertThat(boom.getCode()).isEqualTo(RpcError.APPLICATION_ERROR);
        assertThat(boom.getMessage() + boom.getData()).doesNotContain("secret");
        LivekitModels.RpcError refused = errorFor("caller", request("4", "refuse", "", 5_000, 1));
        assertThat(refused.getCode()).isEqualTo(4001);
        assertThat(refused.getMessage()).isEqualTo("no tables left");
        assertThat(refused.getData()).isEqualTo("{\"date\":\"friday\"}");
        LivekitModels.RpcError huge = errorFor("caller", request("5", "huge", "", 5_000, 1));
        assertThat(huge.getCode()).isEqualTo(RpcError.RESPONSE_PAYLOAD_TOO_LARGE);
        assertThat(huge.getData()).contains("15360");
    }

    @Test
    void aHandlerPastTheCallersTimeoutIsInterruptedAndAnswersResponseTimeout() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        rpc.register("slow", call -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return "late";
        });
        LivekitModels.RpcError error = errorFor("caller", request("r", "slow", "", 200, 1));
        assertThat(error.getCode()).isEqualTo(RpcError.RESPONSE_TIMEOUT);
        assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void pastItsBoundARequestIsAcknowledgedAndAnsweredTooManyRequestsAtOnce() throws Exception {
        RpcManager bounded = new RpcManager("test", sender, timers, counters, Set.of("caller")::contains,
                Duration.ofMillis(300), 2);
        try {
            CountDownLatch release = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
            bounded.register("hold", call -> {
                inside.incrementAndGet();
                release.await();
                return "done " + call.requestId();
            });
            bounded.onRequest("caller", request("a", "hold", "", 10_000, 1));
            bounded.onRequest("caller", request("b", "hold", "", 10_000, 1));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> inside.get() == 2);
            sender.next(); // the acks of a and b
            sender.next();

            bounded.onRequest("caller", request("c", "hold", "", 10_000, 1));
            DataPacket ack = sender.next().packet();
            assertThat(ack.getRpcAck().getRequestId()).isEqualTo("c");
            LivekitModels.RpcResponse refused = sender.next().packet().getRpcResponse();
            assertThat(refused.getRequestId()).isEqualTo("c");
            assertThat(refused.getError().getCode()).isEqualTo(RpcError.RESPONSE_TIMEOUT);
            assertThat(refused.getError().getMessage()).isEqualTo("Too many requests");
            assertThat(inside.get()).as("the refused request never reached its handler").isEqualTo(2);
            assertThat(counters.snapshot().rpcCallsRefused()).isEqualTo(1);

            release.countDown();
            assertThat(sender.next().packet().getRpcResponse().getPayload()).startsWith("done ");
            assertThat(sender.next().packet().getRpcResponse().getPayload()).startsWith("done ");
            // The slots are free again.
            bounded.onRequest("caller", request("d", "hold", "", 10_000, 1));
            assertThat(sender.next().packet().getRpcAck().getRequestId()).isEqualTo("d");
            assertThat(sender.next().packet().getRpcResponse().getPayload()).isEqualTo("done d");
        } finally {
            bounded.close("test over");
        }
    }

    @Test
    void aRequestWithoutAnIdIsCountedAsMalformedAndNotAnswered() throws Exception {
        rpc.onRequest("caller", request("", "greet", "", 5_000, 1));
        assertThat(counters.snapshot().malformedPackets()).isEqualTo(1);
        assertThat(sender.poll(Duration.ofMillis(200))).isNull();
    }

    @Test
    void registeringAMethodTwiceIsRefused() {
        rpc.register("m", call -> "");
        assertThatThrownBy(() -> rpc.register("m", call -> "")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already registered");
        assertThat(rpc.unregister("m")).isTrue();
        rpc.register("m", call -> "");
    }

    // ---- calling ----

    @Test
    void aCallReturnsTheCalleesPayload() throws Exception {
        sender.onSend(packet -> {
            if (packet.hasRpcRequest()) {
                String id = packet.getRpcRequest().getId();
                rpc.onAck(LivekitModels.RpcAck.newBuilder().setRequestId(id).build());
                rpc.onResponse("callee", LivekitModels.RpcResponse.newBuilder().setRequestId(id)
                        .setPayload(packet.getRpcRequest().getPayload().toUpperCase()).build());
            }
        });
        assertThat(rpc.perform("callee", "shout", "hi", Duration.ofSeconds(5))).isEqualTo("HI");
        DataPacket request = sender.next().packet();
        assertThat(request.getRpcRequest().getVersion()).isEqualTo(1);
        assertThat(request.getRpcRequest().getResponseTimeoutMs()).isEqualTo(5_000);
        assertThat(request.getDestinationIdentitiesList()).containsExactly("callee");
        assertThat(rpc.pendingCalls()).isZero();
    }

    @Test
    void theCalleesErrorArrivesWithItsCode() {
        sender.onSend(packet -> {
            if (packet.hasRpcRequest()) {
                rpc.onResponse("callee", LivekitModels.RpcResponse.newBuilder().setRequestId(packet.getRpcRequest().getId())
                        .setError(LivekitModels.RpcError.newBuilder().setCode(1400).setMessage("Method not supported at destination"))
                        .build());
            }
        });
        assertThatThrownBy(() -> rpc.perform("callee", "nothing", "", Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(RpcError.class, e -> {
                    assertThat(e.code()).isEqualTo(RpcError.UNSUPPORTED_METHOD);
                    assertThat(e.getMessage()).isEqualTo("Method not supported at destination");
                });
    }

    @Test
    void noAckIsConnectionTimeoutAndNoResponseIsResponseTimeout() {
        assertThatThrownBy(() -> rpc.perform("callee", "m", "", Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(RpcError.class, e -> assertThat(e.code()).isEqualTo(RpcError.CONNECTION_TIMEOUT));

        sender.onSend(packet -> {
            if (packet.hasRpcRequest()) {
                rpc.onAck(LivekitModels.RpcAck.newBuilder().setRequestId(packet.getRpcRequest().getId()).build());
            }
        });
        assertThatThrownBy(() -> rpc.perform("callee", "m", "", Duration.ofMillis(500)))
                .isInstanceOfSatisfying(RpcError.class, e -> assertThat(e.code()).isEqualTo(RpcError.RESPONSE_TIMEOUT));
        assertThat(rpc.pendingCalls()).isZero();
    }

    @Test
    void theCalleeLeavingFailsItsCallsWithRecipientDisconnected() throws Exception {
        sender.onSend(packet -> {
            if (packet.hasRpcRequest()) {
                rpc.onAck(LivekitModels.RpcAck.newBuilder().setRequestId(packet.getRpcRequest().getId()).build());
            }
        });
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread call = Thread.ofVirtual().start(() -> {
            try {
                rpc.perform("callee", "m", "", Duration.ofSeconds(30));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rpc.pendingCalls() == 1);
        rpc.participantLeft("callee");
        call.join(Duration.ofSeconds(10));
        assertThat(failure.get()).isInstanceOfSatisfying(RpcError.class,
                e -> assertThat(e.code()).isEqualTo(RpcError.RECIPIENT_DISCONNECTED));
    }

    @Test
    void badCallsAreRefusedBeforeAnythingIsSent() {
        String tooBig = "é".repeat(RpcError.MAX_PAYLOAD_BYTES / 2 + 1);
        assertThatThrownBy(() -> rpc.perform("callee", "m", tooBig, Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(RpcError.class, e -> {
                    assertThat(e.code()).isEqualTo(RpcError.REQUEST_PAYLOAD_TOO_LARGE);
                    assertThat(e.data()).contains("15360");
                });
        assertThatThrownBy(() -> rpc.perform("stranger", "m", "", Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(RpcError.class, e -> assertThat(e.code()).isEqualTo(RpcError.RECIPIENT_NOT_FOUND));
        assertThatThrownBy(() -> rpc.perform("callee", "", "", Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(sender.size()).isZero();
    }

    @Test
    void aFailedSendIsSendFailedAndAClosedRoomIsRecipientDisconnected() {
        sender.failWith(new RoomException("could not send a data packet within 10000 ms (no open data channel)"));
        assertThatThrownBy(() -> rpc.perform("callee", "m", "", Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(RpcError.class, e -> {
                    assertThat(e.code()).isEqualTo(RpcError.SEND_FAILED);
                    assertThat(e.data()).contains("no open data channel");
                });
        rpc.close("the room closed");
        assertThatThrownBy(() -> rpc.perform("callee", "m", "", Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(RpcError.class, e -> assertThat(e.code()).isEqualTo(RpcError.RECIPIENT_DISCONNECTED));
    }

    @Test
    void rpcErrorKeepsLiveKitsLimits() {
        RpcError long256 = new RpcError(1, "€".repeat(200));
        assertThat(long256.getMessage().getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(256);
        assertThatThrownBy(() -> new RpcError(1, "m", "x".repeat(RpcError.MAX_DATA_BYTES + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("15360");
    }

    private LivekitModels.RpcError errorFor(String caller, LivekitModels.RpcRequest request) throws InterruptedException {
        rpc.onRequest(caller, request);
        assertThat(sender.next().packet().hasRpcAck()).isTrue();
        DataPacket response = sender.next().packet();
        assertThat(response.getRpcResponse().hasError()).as("an error response").isTrue();
        return response.getRpcResponse().getError();
    }

    private static LivekitModels.RpcRequest request(String id, String method, String payload, int timeoutMs, int version) {
        return LivekitModels.RpcRequest.newBuilder().setId(id).setMethod(method).setPayload(payload)
                .setResponseTimeoutMs(timeoutMs).setVersion(version).build();
    }
}
