package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, defect 11 narrowed to the room: a plain room (no worker, no greeting) that joins after
 * a LiveKit Node caller, which then writes to it. The caller's SDK sends a short text as a data
 * streams v2 header with the content inline (no chunks, no trailer); before the fix only that
 * header arrived and the text was never delivered. Single data packets always arrived.
 */
@LiveKitServerTest
class RoomJoinOrderChatTest extends RoomWithCallersTest {

    @Test
    void dataPacketsFromACallerWhoWasInTheRoomFirstAllArrive(LiveKitServer server) throws Exception {
        String roomName = "order-data-" + UUID.randomUUID();
        callers.joinCaller("firstd", server.url(), server.participantToken(roomName, "caller-firstd"), 0, List.of(), List.of());
        callers.await(e -> e.is("joined", "firstd"), WAIT);
        try (Room room = joinAsAgent(server, roomName, "agent-order-data");
                MessageStream<DataMessage> packets = room.dataMessages("x")) {
            for (String tag : List.of("d1", "d2", "d3")) {
                callers.sendData("firstd", tag, "x", tag, true);
                callers.await(e -> e.is("dataSent", "firstd") && e.text("tag").equals(tag), WAIT);
            }
            DataMessage first = packets.poll(WAIT);
            DataMessage second = packets.poll(Duration.ofSeconds(5));
            DataMessage third = packets.poll(Duration.ofSeconds(5));
            System.out.println("[rooms] join order packets: " + first + " " + second + " " + third + " " + room.dataStats());
            assertThat(third).isNotNull();
        } finally {
            callers.leaveCaller("firstd");
        }
    }

    @Test
    void aTextFromACallerWhoWasInTheRoomFirstArrivesWhole(LiveKitServer server) throws Exception {
        String roomName = "order-" + UUID.randomUUID();
        callers.joinCaller("first", server.url(), server.participantToken(roomName, "caller-first"), 0,
                List.of(Chat.TOPIC), List.of());
        callers.await(e -> e.is("joined", "first"), WAIT);
        try (Room room = joinAsAgent(server, roomName, "agent-order");
                MessageStream<TextMessage> chat = room.chatMessages()) {
            callers.sendText("first", "t1", Chat.TOPIC, "after the agent joined", Map.of());
            callers.await(e -> e.is("textSent", "first") && e.text("tag").equals("t1"), WAIT);
            TextMessage message = chat.poll(WAIT);
            System.out.println("[rooms] join order data stats: " + room.dataStats());
            assertThat(message).isNotNull();
            assertThat(message.text()).isEqualTo("after the agent joined");
        } finally {
            callers.leaveCaller("first");
        }
    }
}
