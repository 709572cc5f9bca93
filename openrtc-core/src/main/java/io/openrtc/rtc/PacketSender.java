package io.openrtc.rtc;

import livekit.LivekitModels.DataPacket;

/**
 * Sends data packets on the room's publisher data channels. The seam between what builds
 * packets (streams, RPC, user data) and the channels themselves ({@link DataChannelSender}).
 */
interface PacketSender {

    /**
     * Sends one packet, waiting (bounded) while the channel is not open or its buffer is full.
     * Reliable packets get the next sequence number; {@code kind} is set from {@code reliable}.
     *
     * @throws RoomException       when the channel did not become usable in time, or sending failed
     * @throws RoomClosedException when the room closed
     */
    default void send(DataPacket.Builder packet, boolean reliable) throws RoomException, InterruptedException {
        send(packet, reliable, ANY_EPOCH);
    }

    /**
     * Sends one packet, but only to the connection of {@code epoch} ({@link #ANY_EPOCH}: any):
     * the parts of one stream must all reach the same connection.
     *
     * @throws StreamCutException when the connection changed (a full rejoin) before it could be sent
     */
    void send(DataPacket.Builder packet, boolean reliable, int epoch) throws RoomException, InterruptedException;

    /** For {@link #send(DataPacket.Builder, boolean, int)}: whatever the current connection is. */
    int ANY_EPOCH = -1;

    /**
     * Which connection the packets go to: it changes with every full rejoin (not with a resume).
     * A stream sent partly to one connection and partly to another is broken for its receivers.
     */
    int epoch();

    /** The connection a stream was being sent to was replaced by a full rejoin; its receivers dropped it. */
    final class StreamCutException extends RoomException {

        private static final long serialVersionUID = 1L;

        StreamCutException(String message) {
            super(message);
        }
    }
}
