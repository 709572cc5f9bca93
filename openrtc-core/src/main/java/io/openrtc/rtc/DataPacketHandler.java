package io.openrtc.rtc;

import livekit.LivekitModels.DataPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a room hands the data packets that arrive on its data channels ({@code _reliable} and
 * {@code _lossy}, on either peer connection). Called on the room's event loop: must not block.
 *
 * <p>This is the seam for rooms part 2: user packets, text streams (header, chunks, trailer),
 * RPC requests/acks/responses and transcriptions are decoded and routed by an implementation of
 * this interface; sending goes out on the publisher's channels with a per-room reliable sequence.
 * Part 1 only ignores packets.
 */
interface DataPacketHandler {

    void onDataPacket(DataPacket packet, boolean reliable);

    /** Drops every packet (logged at debug level). */
    DataPacketHandler IGNORE = new DataPacketHandler() {
        private final Logger log = LoggerFactory.getLogger(DataPacketHandler.class);

        @Override
        public void onDataPacket(DataPacket packet, boolean reliable) {
            log.debug("Ignored a {} data packet ({}) from '{}'", reliable ? "reliable" : "lossy", packet.getValueCase(),
                    packet.getParticipantIdentity());
        }
    };
}
