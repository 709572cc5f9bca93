package io.openrtc.rtc;

import java.util.HashMap;
import java.util.Map;
import livekit.LivekitModels.DataPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room's {@link DataPacketHandler}: drops repeated reliable packets, then routes each packet
 * by kind: user packets to the data readers, stream parts to the {@link StreamAssembler} (whose
 * complete messages go to the text and byte stream readers), RPC messages to the
 * {@link RpcManager}. Kinds this client does not use (legacy chat messages, transcription
 * packets, DTMF, metrics, E2EE-encrypted packets, kinds newer than its protocol classes) are
 * ignored. Runs on the room's event loop; never blocks, never throws.
 */
final class DataReceiver implements DataPacketHandler {

    private static final Logger log = LoggerFactory.getLogger(DataReceiver.class);

    private final String room;
    private final DataCounters counters;
    private final StreamAssembler streams;
    private final RpcManager rpc;
    private final TopicRouter<DataMessage> data;
    /** The last reliable sequence seen per sender sid. */
    private final Map<String, Long> lastSequence = new HashMap<>();

    DataReceiver(String room, DataCounters counters, StreamAssembler streams, RpcManager rpc, TopicRouter<DataMessage> data) {
        this.room = room;
        this.counters = counters;
        this.streams = streams;
        this.rpc = rpc;
        this.data = data;
    }

    @Override
    public void onDataPacket(DataPacket packet, boolean reliable) {
        counters.packetsReceived.incrementAndGet();
        if (reliable && packet.getSequence() != 0 && !packet.getParticipantSid().isEmpty()) {
            long sequence = Integer.toUnsignedLong(packet.getSequence());
            Long last = lastSequence.get(packet.getParticipantSid());
            if (last != null && sequence <= last) {
                counters.duplicatePackets.incrementAndGet();
                log.debug("Room {}: dropped a repeated reliable packet {} from {} (last {})", room, sequence,
                        packet.getParticipantSid(), last);
                return;
            }
            lastSequence.put(packet.getParticipantSid(), sequence);
        }
        String sender = packet.getParticipantIdentity();
        switch (packet.getValueCase()) {
            case USER -> data.deliver(packet.getUser().getTopic(), new DataMessage(sender, packet.getUser().getTopic(),
                    packet.getUser().getPayload().toByteArray(), reliable));
            case STREAM_HEADER -> streams.onHeader(packet);
            case STREAM_CHUNK -> streams.onChunk(packet);
            case STREAM_TRAILER -> streams.onTrailer(packet);
            case RPC_REQUEST -> rpc.onRequest(sender, packet.getRpcRequest());
            case RPC_ACK -> rpc.onAck(packet.getRpcAck());
            case RPC_RESPONSE -> rpc.onResponse(sender, packet.getRpcResponse());
            case ENCRYPTED_PACKET -> log.debug("Room {}: ignored an end-to-end encrypted data packet from '{}' "
                    + "(E2EE is not supported)", room, sender);
            default -> log.debug("Room {}: ignored a {} data packet from '{}'", room, packet.getValueCase(), sender);
        }
    }

    /** Counts bytes that are not a DataPacket at all. */
    void onUndecodable(int length, String why) {
        counters.packetsReceived.incrementAndGet();
        counters.malformed(log, room, length + " bytes that are not a DataPacket (" + why + ")");
    }

    /** The last reliable sequence received from each sender sid (for a resume's SyncState). */
    Map<String, Long> receiveStates() {
        return Map.copyOf(lastSequence);
    }

    /** A participant left: forget its sequence, drop its open streams, fail calls to it. */
    void participantLeft(Participant participant) {
        lastSequence.remove(participant.sid());
        streams.senderLeft(participant.sid(), participant.identity());
        rpc.participantLeft(participant.identity());
    }

    /** A full rejoin: partly received streams are lost and the senders' numbering is seen anew. */
    void rejoined() {
        lastSequence.clear();
        streams.reset("cut by this room's rejoin");
    }
}
