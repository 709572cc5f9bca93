package io.openrtc.rtc;

/**
 * A LiveKit room joined as one participant. (The full API lands with the rooms issue; this is
 * the part the agent API refers to.)
 */
public interface Room extends AutoCloseable {

    /** The room's name. */
    String name();

    /** This participant's identity. */
    String localIdentity();

    /** Leaves the room and releases its native resources. Idempotent. */
    @Override
    void close();
}
