package io.openrtc.rtc;

import livekit.LivekitModels.DataPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a room hands the data packets that arrive on its data channels ({@code _reliable} and
 * {@code _lossy}, on either peer connection). Called on the room's event loop: must not block.
 * The room's implementation is {@link DataReceiver}; sending is {@link DataChannelSender}'s.
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
