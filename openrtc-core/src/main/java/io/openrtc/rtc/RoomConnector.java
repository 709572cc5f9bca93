package io.openrtc.rtc;

import java.net.URI;
import java.util.Objects;

/**
 * Joins rooms: what a session runner needs to turn a job assignment (server URL and token) into a
 * joined {@link Room}. A functional interface so that tests and other isolation modes can supply
 * their own.
 */
@FunctionalInterface
public interface RoomConnector {

    /**
     * Joins the room named in {@code token} as the identity in {@code token}.
     *
     * @throws RoomJoinException when a step of the join fails; nothing is left allocated
     */
    Room connect(URI serverUrl, String token) throws RoomJoinException, InterruptedException;

    /** A connector that joins through {@code runtime} with {@code options}. */
    static RoomConnector of(RtcRuntime runtime, RoomOptions options) {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(options, "options");
        return (serverUrl, token) -> Room.connect(runtime, serverUrl, token, options);
    }
}
