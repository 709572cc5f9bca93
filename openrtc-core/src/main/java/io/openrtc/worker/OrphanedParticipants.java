package io.openrtc.worker;

import io.livekit.server.RoomServiceClient;
import java.net.URI;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes an agent's participant from its room when the process that held it died without
 * leaving ({@link SessionHandle#leftParticipantBehind}: a child JVM killed, crashed or over its
 * memory limit). LiveKit would otherwise keep the dead
 * participant, silent, until its own timeout (about 20 s in v1.13.5), and the caller would wait
 * on an agent that is gone. Uses LiveKit's room service with the worker's own API key.
 */
final class OrphanedParticipants {

    private static final Logger log = LoggerFactory.getLogger(OrphanedParticipants.class);

    private final Supplier<RoomServiceClient> rooms;

    OrphanedParticipants(URI http, WorkerOptions options) {
        // Built on first use: most workers never lose a child.
        this.rooms = new Supplier<>() {
            private RoomServiceClient client;

            @Override
            public synchronized RoomServiceClient get() {
                if (client == null) {
                    client = RoomServiceClient.createClient(http.toString(), options.apiKey(), options.apiSecret());
                }
                return client;
            }
        };
    }

    /** Removes {@code identity} from {@code room}, off the caller's thread; a participant already gone is no error. */
    void remove(String room, String identity) {
        Thread.ofVirtual().name("openrtc-orphan-" + identity).start(() -> {
            try {
                var response = rooms.get().removeParticipant(room, identity).execute();
                if (response.isSuccessful()) {
                    log.info("Removed participant '{}' from room '{}': its session's process died without leaving", identity, room);
                } else if (response.code() == 404) {
                    log.debug("Participant '{}' had already left room '{}'", identity, room);
                } else {
                    log.warn("Could not remove participant '{}' of a dead session from room '{}': HTTP {}; LiveKit drops it "
                            + "after its own timeout", identity, room, response.code());
                }
            } catch (Exception e) {
                log.warn("Could not remove participant '{}' of a dead session from room '{}': {}; LiveKit drops it after "
                        + "its own timeout", identity, room, e.toString());
            }
        });
    }
}
