package io.openrtc.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import livekit.LivekitModels;
import org.junit.jupiter.api.Test;

/** Starts a real server through the extension and drives its RoomService. */
@LiveKitServerTest
class LiveKitServerSmokeTest {

    @Test
    void createsListsAndDeletesARoom(LiveKitServer server) throws Exception {
        System.out.println("[smoke] " + server + ", backend " + server.backend() + ", version " + server.version());
        if (server.backend() == LiveKitServerBackend.LOCAL_BINARY) {
            assertThat(server.version()).isEqualTo("1.13.5");
        }
        String name = "smoke-" + UUID.randomUUID();

        LivekitModels.Room created = server.roomService().createRoom(name).execute().body();
        assertThat(created).isNotNull();
        assertThat(created.getName()).isEqualTo(name);
        assertThat(created.getSid()).startsWith("RM_");

        List<LivekitModels.Room> listed = server.roomService().listRooms(List.of(name)).execute().body();
        assertThat(listed).extracting(LivekitModels.Room::getName).containsExactly(name);

        assertThat(server.roomService().deleteRoom(name).execute().isSuccessful()).isTrue();
        List<LivekitModels.Room> afterDelete = server.roomService().listRooms(List.of(name)).execute().body();
        assertThat(afterDelete).isEmpty();
    }
}
