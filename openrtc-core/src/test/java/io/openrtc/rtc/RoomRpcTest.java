package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * RPC both ways between a Java room and LiveKit's own Node SDK through a real livekit-server,
 * with LiveKit's error codes asserted on both sides, and the bound on the requests one session
 * answers at once.
 */
@LiveKitServerTest
class RoomRpcTest extends RoomWithCallersTest {

    @Test
    void theCallerCallsTheRoomsMethodsAndGetsAnswersAndLiveKitsErrorCodes(LiveKitServer server) throws Exception {
        String roomName = "rpc-in-" + UUID.randomUUID();
        try (Room room = joinAsAgent(server, roomName, "agent-rpc")) {
            AtomicBoolean onVirtualThread = new AtomicBoolean();
            AtomicReference<RpcInvocation> seen = new AtomicReference<>();
            room.registerRpcMethod("book", call -> {
                onVirtualThread.set(Thread.currentThread().isVirtual());
                seen.set(call);
                return "{\"confirmed\":true,\"for\":" + call.payload() + "}";
            });
            CountDownLatch slowInterrupted = new CountDownLatch(1);
            room.registerRpcMethod("slow", call -> {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    slowInterrupted.countDown();
                    throw e;
                }
                return "never";
            });
            room.registerRpcMethod("refuse", call -> {
                throw new RpcError(4001, "no tables left", "friday");
            });
            room.registerRpcMethod("crash", call -> {
                throw new IllegalStateException("bug");
            });

            callers.joinCaller("in", server.url(), server.participantToken(roomName, "caller-in"), 0);
            callers.await(e -> e.is("joined", "in"), WAIT);

            callers.performRpc("in", "ok", "agent-rpc", "book", "{\"people\":2}", 10_000);
            NodePeer.Event ok = callers.await(e -> e.is("rpcResult", "in") && e.text("tag").equals("ok"), WAIT);
            assertThat(ok.text("payload")).isEqualTo("{\"confirmed\":true,\"for\":{\"people\":2}}");
            assertThat(onVirtualThread).isTrue();
            assertThat(seen.get().callerIdentity()).isEqualTo("caller-in");
            assertThat(seen.get().method()).isEqualTo("book");
            assertThat(seen.get().responseTimeout()).isPositive();

            callers.performRpc("in", "unknown", "agent-rpc", "nothing", "", 10_000);
            callers.performRpc("in", "refused", "agent-rpc", "refuse", "", 10_000);
            callers.performRpc("in", "crashed", "agent-rpc", "crash", "", 10_000);
            callers.performRpc("in", "timeout", "agent-rpc", "slow", "", 2_000);
            assertThat(errorCode("in", "unknown")).isEqualTo(RpcError.UNSUPPORTED_METHOD);
            NodePeer.Event refused = callers.await(e -> e.is("rpcError", "in") && e.text("tag").equals("refused"), WAIT);
            assertThat((int) refused.number("code")).isEqualTo(4001);
            assertThat(refused.text("message")).isEqualTo("no tables left");
            assertThat(refused.text("data")).isEqualTo("friday");
            assertThat(errorCode("in", "crashed")).isEqualTo(RpcError.APPLICATION_ERROR);
            assertThat(errorCode("in", "timeout")).isEqualTo(RpcError.RESPONSE_TIMEOUT);
            assertThat(slowInterrupted.await(20, TimeUnit.SECONDS)).as("the late handler was interrupted").isTrue();
            await().atMost(WAIT).until(() -> room.dataStats().rpcCallsHandled() == 4);
            callers.leaveCaller("in");
        }
    }

    @Test
    void pastItsBoundTheRoomAnswersTooManyRequestsAndStillServesTheRest(LiveKitServer server) throws Exception {
        String roomName = "rpc-bound-" + UUID.randomUUID();
        int bound = RpcManager.MAX_CONCURRENT_REQUESTS;
        try (Room room = joinAsAgent(server, roomName, "agent-bound")) {
            CountDownLatch release = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
            room.registerRpcMethod("hold", call -> {
                inside.incrementAndGet();
                release.await();
                return "held " + call.payload();
            });
            callers.joinCaller("many", server.url(), server.participantToken(roomName, "caller-many"), 0);
            callers.await(e -> e.is("joined", "many"), WAIT);

            for (int i = 0; i < bound; i++) {
                callers.performRpc("many", "held-" + i, "agent-bound", "hold", Integer.toString(i), 30_000);
            }
            await().atMost(WAIT).until(() -> inside.get() == bound);
            for (int i = 0; i < 3; i++) {
                callers.performRpc("many", "over-" + i, "agent-bound", "hold", "over", 30_000);
            }
            for (int i = 0; i < 3; i++) {
                String tag = "over-" + i;
                NodePeer.Event refused = callers.await(e -> e.is("rpcError", "many") && e.text("tag").equals(tag), WAIT);
                assertThat((int) refused.number("code")).isEqualTo(RpcError.RESPONSE_TIMEOUT);
                assertThat(refused.text("message")).isEqualTo("Too many requests");
            }
            assertThat(inside.get()).as("no refused request reached the handler").isEqualTo(bound);
            assertThat(room.dataStats().rpcCallsRefused()).isEqualTo(3);

            release.countDown();
            for (int i = 0; i < bound; i++) {
                String tag = "held-" + i;
                NodePeer.Event held = callers.await(e -> e.is("rpcResult", "many") && e.text("tag").equals(tag), WAIT);
                assertThat(held.text("payload")).isEqualTo("held " + i);
            }
            // Once they are answered there is room again.
            callers.performRpc("many", "again", "agent-bound", "hold", "again", 30_000);
            assertThat(callers.await(e -> e.is("rpcResult", "many") && e.text("tag").equals("again"), WAIT)
                    .text("payload")).isEqualTo("held again");
            callers.leaveCaller("many");
        }
    }

    @Test
    void theRoomCallsTheCallersMethodsAndGetsAnswersAndLiveKitsErrorCodes(LiveKitServer server) throws Exception {
        String roomName = "rpc-out-" + UUID.randomUUID();
        try (Room room = joinAsAgent(server, roomName, "agent-out")) {
            callers.joinCaller("out", server.url(), server.participantToken(roomName, "caller-out"), 0);
            callers.await(e -> e.is("joined", "out"), WAIT);
            callers.registerRpc("out", "upper", "upper", 0);
            callers.registerRpc("out", "slow", "slow", 5_000);
            callers.registerRpc("out", "fail", "fail", 0);
            callers.registerRpc("out", "refuse", "rpcError", 0);
            callers.registerRpc("out", "hang", "slow", 60_000);
            callers.await(e -> e.is("rpcRegistered", "out") && e.text("method").equals("hang"), WAIT);
            await().atMost(WAIT).until(() -> room.remoteParticipant("caller-out").isPresent());

            assertThat(room.performRpc("caller-out", "upper", "table for two", Duration.ofSeconds(10)))
                    .isEqualTo("TABLE FOR TWO");
            NodePeer.Event invoked = callers.await(e -> e.is("rpcInvoked", "out") && e.text("method").equals("upper"), WAIT);
            assertThat(invoked.text("caller")).isEqualTo("agent-out");
            assertThat(invoked.text("payload")).isEqualTo("table for two");

            assertThat(rpcErrorOf(() -> room.performRpc("caller-out", "nothing", "", Duration.ofSeconds(10))).code())
                    .isEqualTo(RpcError.UNSUPPORTED_METHOD);
            assertThat(rpcErrorOf(() -> room.performRpc("caller-out", "fail", "", Duration.ofSeconds(10))).code())
                    .isEqualTo(RpcError.APPLICATION_ERROR);
            RpcError refused = rpcErrorOf(() -> room.performRpc("caller-out", "refuse", "", Duration.ofSeconds(10)));
            assertThat(refused.code()).isEqualTo(4242);
            assertThat(refused.getMessage()).isEqualTo("refused");
            assertThat(refused.data()).isEqualTo("details");
            long started = System.nanoTime();
            assertThat(rpcErrorOf(() -> room.performRpc("caller-out", "slow", "", Duration.ofMillis(1_500))).code())
                    .isEqualTo(RpcError.RESPONSE_TIMEOUT);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));

            // Refused before sending: LiveKit's payload limit, and nobody of that identity in the room.
            RpcError tooLarge = rpcErrorOf(() -> room.performRpc("caller-out", "upper", "x".repeat(15_361),
                    Duration.ofSeconds(10)));
            assertThat(tooLarge.code()).isEqualTo(RpcError.REQUEST_PAYLOAD_TOO_LARGE);
            assertThat(tooLarge.data()).contains("15360");
            assertThat(rpcErrorOf(() -> room.performRpc("nobody", "upper", "", Duration.ofSeconds(10))).code())
                    .isEqualTo(RpcError.RECIPIENT_NOT_FOUND);

            // The callee leaves while a call waits for its answer.
            AtomicReference<Throwable> hung = new AtomicReference<>();
            Thread call = Thread.ofVirtual().start(() -> {
                try {
                    room.performRpc("caller-out", "hang", "", Duration.ofSeconds(60));
                } catch (Throwable t) {
                    hung.set(t);
                }
            });
            callers.await(e -> e.is("rpcInvoked", "out") && e.text("method").equals("hang"), WAIT);
            callers.leaveCaller("out");
            call.join(WAIT);
            assertThat(hung.get()).isInstanceOfSatisfying(RpcError.class,
                    e -> assertThat(e.code()).isEqualTo(RpcError.RECIPIENT_DISCONNECTED));
        }
    }

    private static int errorCode(String caller, String tag) {
        return (int) callers.await(e -> e.is("rpcError", caller) && e.text("tag").equals(tag), WAIT).number("code");
    }

    private interface Call {
        String run() throws Exception;
    }

    private static RpcError rpcErrorOf(Call call) {
        AtomicReference<RpcError> error = new AtomicReference<>();
        assertThatThrownBy(call::run).isInstanceOfSatisfying(RpcError.class, error::set);
        return error.get();
    }
}
