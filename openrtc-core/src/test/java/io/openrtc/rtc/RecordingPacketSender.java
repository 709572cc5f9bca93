package io.openrtc.rtc;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import livekit.LivekitModels.DataPacket;

/**
 * A {@link PacketSender} for unit tests of what builds packets (RPC, streams): it records every
 * packet instead of putting it on a data channel, and can hand each to a reaction (to play the
 * remote side of an RPC call). Not a stand-in for LiveKit: the integration tests cover the wire.
 */
final class RecordingPacketSender implements PacketSender {

    record Sent(DataPacket packet, boolean reliable) {
    }

    private final LinkedBlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
    private volatile int epoch = 1;
    private volatile Consumer<DataPacket> reaction = p -> { };
    private volatile RoomException failure;

    @Override
    public void send(DataPacket.Builder packet, boolean reliable, int requiredEpoch) throws RoomException {
        if (failure != null) {
            throw failure;
        }
        if (requiredEpoch != ANY_EPOCH && requiredEpoch != epoch) {
            throw new StreamCutException("epoch changed");
        }
        DataPacket built = packet.setKind(reliable ? DataPacket.Kind.RELIABLE : DataPacket.Kind.LOSSY).build();
        sent.add(new Sent(built, reliable));
        reaction.accept(built);
    }

    @Override
    public int epoch() {
        return epoch;
    }

    void newEpoch() {
        epoch++;
    }

    void failWith(RoomException e) {
        failure = e;
    }

    void onSend(Consumer<DataPacket> value) {
        reaction = value;
    }

    /** The next packet sent, waiting up to 10 s. */
    Sent next() throws InterruptedException {
        Sent next = sent.poll(10, TimeUnit.SECONDS);
        if (next == null) {
            throw new AssertionError("nothing was sent within 10 s");
        }
        return next;
    }

    Sent poll(Duration timeout) throws InterruptedException {
        return sent.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    int size() {
        return sent.size();
    }
}
