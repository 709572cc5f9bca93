package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.livekit.server.AccessToken;
import io.livekit.server.CanPublish;
import io.livekit.server.CanPublishData;
import io.livekit.server.CanSubscribe;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The agent's attributes (LiveKit's {@code lk.agent.state} included), metadata and name, as
 * LiveKit's own Node SDK sees them through a real livekit-server, and the caller's changes as
 * room events.
 */
@LiveKitServerTest
class RoomAttributesTest extends RoomWithCallersTest {

    @Test
    void theCallerSeesTheAgentStateAndAttributesChange(LiveKitServer server) throws Exception {
        String roomName = "attrs-" + UUID.randomUUID();
        try (Room room = joinAsAgent(server, roomName, "agent-attrs"); RoomEventStream events = room.events()) {
            room.setAgentState(AgentState.INITIALIZING);
            callers.joinCaller("at", server.url(), server.participantToken(roomName, "caller-at"), 0);
            callers.await(e -> e.is("joined", "at"), WAIT);
            await().atMost(WAIT).until(() -> room.remoteParticipant("caller-at").isPresent());

            // Each state is confirmed by the caller before the next (the server may merge updates
            // that follow each other closely, as LiveKit's UIs would only show the last one anyway).
            for (AgentState state : List.of(AgentState.LISTENING, AgentState.THINKING, AgentState.SPEAKING,
                    AgentState.LISTENING)) {
                int seenBefore = seenStates("agent-attrs").size();
                room.setAgentState(state);
                await().atMost(WAIT).until(() -> seenStates("agent-attrs").size() > seenBefore);
                assertThat(seenStates("agent-attrs")).last().isEqualTo(state.wireValue());
            }
            assertThat(seenStates("agent-attrs")).containsExactly("listening", "thinking", "speaking", "listening");

            room.setAttributes(Map.of("booking", "pending", "party", "2"));
            NodePeer.Event added = callers.await(e -> e.is("attributes", "at") && e.text("participant").equals("agent-attrs")
                    && e.json().get("changed").has("booking"), WAIT);
            assertThat(added.json().get("all").get("lk.agent.state").asText()).isEqualTo("listening");
            room.setAttributes(Map.of("booking", ""));
            callers.await(e -> e.is("attributes", "at") && e.text("participant").equals("agent-attrs")
                    && !e.json().get("all").has("booking") && e.json().get("all").has("party"), WAIT);

            room.setMetadata("{\"menu\":\"dinner\"}");
            callers.await(e -> e.is("metadata", "at") && e.text("metadata").equals("{\"menu\":\"dinner\"}"), WAIT);
            room.setName("Reservations");
            callers.await(e -> e.is("name", "at") && e.text("name").equals("Reservations"), WAIT);

            await().atMost(WAIT).untilAsserted(() -> {
                Participant self = room.localParticipant();
                assertThat(self.attributes()).containsEntry(AgentState.ATTRIBUTE, "listening").containsEntry("party", "2")
                        .doesNotContainKey("booking");
                assertThat(self.metadata()).isEqualTo("{\"menu\":\"dinner\"}");
                assertThat(self.name()).isEqualTo("Reservations");
                assertThat(AgentState.of(self)).contains(AgentState.LISTENING);
            });

            // The caller's own change reaches the room as an event.
            callers.setAttributes("at", "mine", Map.of("language", "de"));
            RoomEvent.ParticipantAttributesChanged changed = nextAttributesOf(events, "caller-at");
            assertThat(changed.changed()).containsEntry("language", "de");
            assertThat(room.remoteParticipant("caller-at").orElseThrow().attributes()).containsEntry("language", "de");

            assertThatThrownBy(() -> room.setMetadata("")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unchanged");
            callers.leaveCaller("at");
        }
    }

    @Test
    void anUpdateTheTokenDoesNotAllowIsRefusedNamingTheReason(LiveKitServer server) throws Exception {
        String roomName = "attrs-denied-" + UUID.randomUUID();
        AccessToken token = new AccessToken(server.apiKey(), server.apiSecret());
        token.setIdentity("no-metadata");
        token.addGrants(new RoomJoin(true), new RoomName(roomName), new CanPublish(true), new CanSubscribe(true),
                new CanPublishData(true));
        try (Room room = Room.connect(runtime, server.url(), token.toJwt(), RoomOptions.defaults())) {
            assertThatThrownBy(() -> room.setAgentState(AgentState.LISTENING))
                    .isInstanceOf(RoomException.class)
                    .hasMessageContaining("NOT_ALLOWED")
                    .hasMessageContaining("attributes");
            assertThat(room.isClosed()).isFalse();
        }
    }

    private static List<String> seenStates(String participant) {
        return callers.eventsOf("at").stream()
                .filter(e -> e.is("attributes") && e.text("participant").equals(participant)
                        && e.json().get("changed").has(AgentState.ATTRIBUTE))
                .map(e -> e.json().get("changed").get(AgentState.ATTRIBUTE).asText())
                .toList();
    }

    private static RoomEvent.ParticipantAttributesChanged nextAttributesOf(RoomEventStream events, String identity)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            RoomEvent event = events.poll(Duration.ofMillis(500));
            if (event instanceof RoomEvent.ParticipantAttributesChanged changed
                    && changed.participant().identity().equals(identity)) {
                return changed;
            }
        }
        throw new AssertionError("no attribute change of " + identity + " within " + WAIT.toMillis() + " ms");
    }
}
