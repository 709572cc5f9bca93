package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import livekit.LivekitModels;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;
import org.junit.jupiter.api.Test;

class ParticipantDirectoryTest {

    private static TrackInfo mic(String sid) {
        return TrackInfo.newBuilder().setSid(sid).setName("mic").setType(LivekitModels.TrackType.AUDIO)
                .setSource(LivekitModels.TrackSource.MICROPHONE).build();
    }

    private static ParticipantInfo caller(String sid, int version, ParticipantInfo.State state, TrackInfo... tracks) {
        return ParticipantInfo.newBuilder().setSid(sid).setIdentity("caller").setVersion(version).setState(state)
                .setKind(ParticipantInfo.Kind.SIP).addAllTracks(List.of(tracks)).build();
    }

    @Test
    void turnsUpdatesIntoJoinPublishUnpublishAndLeaveEvents() {
        ParticipantDirectory directory = new ParticipantDirectory();
        directory.reset(List.of());

        List<RoomEvent> joined = directory.apply(List.of(caller("PA_1", 1, ParticipantInfo.State.ACTIVE)));
        assertThat(joined).singleElement().isInstanceOf(RoomEvent.ParticipantJoined.class);
        assertThat(directory.snapshot().get("caller").kind()).isEqualTo(ParticipantKind.SIP);

        List<RoomEvent> published = directory.apply(List.of(caller("PA_1", 2, ParticipantInfo.State.ACTIVE, mic("TR_1"))));
        assertThat(published).singleElement().isInstanceOfSatisfying(RoomEvent.TrackPublished.class,
                e -> assertThat(e.track().source()).isEqualTo(TrackSource.MICROPHONE));
        assertThat(directory.ownerOf("TR_1")).map(Participant::identity).contains("caller");

        assertThat(directory.apply(List.of(caller("PA_1", 1, ParticipantInfo.State.ACTIVE))))
                .as("an older version is ignored").isEmpty();

        List<RoomEvent> unpublished = directory.apply(List.of(caller("PA_1", 3, ParticipantInfo.State.ACTIVE)));
        assertThat(unpublished).singleElement().isInstanceOf(RoomEvent.TrackUnpublished.class);

        directory.apply(List.of(caller("PA_1", 4, ParticipantInfo.State.ACTIVE, mic("TR_2"))));
        List<RoomEvent> left = directory.apply(List.of(caller("PA_1", 5, ParticipantInfo.State.DISCONNECTED, mic("TR_2"))));
        assertThat(left).hasSize(2);
        assertThat(left.get(0)).isInstanceOf(RoomEvent.TrackUnpublished.class);
        assertThat(left.get(1)).isInstanceOf(RoomEvent.ParticipantLeft.class);
        assertThat(directory.snapshot()).isEmpty();
    }

    @Test
    void aNewSidUnderAKnownIdentityIsALeaveThenAJoin() {
        ParticipantDirectory directory = new ParticipantDirectory();
        directory.reset(List.of(caller("PA_1", 1, ParticipantInfo.State.ACTIVE, mic("TR_1"))));
        List<RoomEvent> events = directory.apply(List.of(caller("PA_2", 1, ParticipantInfo.State.ACTIVE)));
        assertThat(events).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("TrackUnpublished", "ParticipantLeft", "ParticipantJoined");
        assertThat(directory.snapshot().get("caller").sid()).isEqualTo("PA_2");
    }

    @Test
    void attributeMetadataAndNameChangesBecomeEvents() {
        ParticipantDirectory directory = new ParticipantDirectory();
        ParticipantInfo first = ParticipantInfo.newBuilder().setSid("PA_1").setIdentity("agent").setVersion(1)
                .setState(ParticipantInfo.State.ACTIVE).setName("Agent").setMetadata("m1")
                .putAttributes("lk.agent.state", "initializing").putAttributes("gone", "soon").build();
        directory.reset(List.of(first));
        ParticipantInfo second = first.toBuilder().setVersion(2).setName("Booking agent").setMetadata("m2")
                .clearAttributes().putAttributes("lk.agent.state", "listening").putAttributes("new", "1").build();

        List<RoomEvent> events = directory.apply(List.of(second));

        assertThat(events).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("ParticipantAttributesChanged", "ParticipantMetadataChanged", "ParticipantNameChanged");
        RoomEvent.ParticipantAttributesChanged attributes = (RoomEvent.ParticipantAttributesChanged) events.get(0);
        assertThat(attributes.changed()).containsOnly(java.util.Map.entry("lk.agent.state", "listening"),
                java.util.Map.entry("new", "1"), java.util.Map.entry("gone", ""));
        assertThat(AgentState.of(attributes.participant())).contains(AgentState.LISTENING);
        assertThat(((RoomEvent.ParticipantMetadataChanged) events.get(1)).previousMetadata()).isEqualTo("m1");
        assertThat(((RoomEvent.ParticipantNameChanged) events.get(2)).previousName()).isEqualTo("Agent");
        assertThat(directory.apply(List.of(second))).as("the same state again changes nothing").isEmpty();
    }

    /** Regression of SignalMessageFuzzTest (seed 859339912359, input 10). */
    @Test
    void anUpdateWithoutIdentityIsTheParticipantOfItsSidAndKeepsItsIdentity() {
        ParticipantDirectory directory = new ParticipantDirectory();
        directory.reset(List.of(caller("PA_1", 1, ParticipantInfo.State.ACTIVE)));
        ParticipantInfo noIdentity = caller("PA_1", 2, ParticipantInfo.State.ACTIVE).toBuilder().clearIdentity()
                .setMetadata("m").build();

        List<RoomEvent> events = directory.apply(List.of(noIdentity));

        assertThat(events).singleElement().isInstanceOf(RoomEvent.ParticipantMetadataChanged.class);
        assertThat(directory.snapshot()).containsOnlyKeys("caller");
        assertThat(directory.snapshot().get("caller").identity()).isEqualTo("caller");
        assertThat(directory.snapshot().get("caller").metadata()).isEqualTo("m");
    }
}
