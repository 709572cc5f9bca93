package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.openrtc.test.Fuzz;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import livekit.LivekitModels;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitRtc;
import livekit.LivekitRtc.SignalResponse;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes what the room client reads from LiveKit's signal socket and from participant updates:
 * {@code SignalResponse} frames through the real {@link SignalConnection} (an in-process fake
 * signal server sends them, since a real server never sends garbage: random bytes, valid messages
 * of every kind with hostile fields, the same with bytes flipped, cut or repeated, messages split
 * into continuation frames, text frames), and participants' identities, names, metadata,
 * attributes and tracks as {@link ParticipantDirectory} turns updates into state and events.
 */
class SignalMessageFuzzTest {

    private static final long HANG_NANOS = 2_000_000_000L;

    @Test
    void everySignalFrameIsDeliveredParsedOrIgnoredAndTheSocketStaysOpen() throws Exception {
        Fuzz fuzz = Fuzz.seeded("signal messages");
        LinkedBlockingQueue<SignalResponse> delivered = new LinkedBlockingQueue<>();
        AtomicReference<String> lost = new AtomicReference<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicLong slowestNanos = new AtomicLong();
        ParticipantDirectory directory = new ParticipantDirectory();
        SignalConnection.Handler handler = new SignalConnection.Handler() {
            @Override
            public void onMessage(SignalResponse message) {
                long started = System.nanoTime();
                try {
                    // What ConnectionEvents does with the messages that carry participants.
                    switch (message.getMessageCase()) {
                        case JOIN -> directory.reset(message.getJoin().getOtherParticipantsList());
                        case UPDATE -> directory.apply(message.getUpdate().getParticipantsList());
                        default -> { }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
                slowestNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
                delivered.add(message);
            }

            @Override
            public void onLost(String cause) {
                lost.set(cause);
            }
        };
        int parsedCount = 0;
        int ignored = 0;
        int split = 0;
        try (FakeSignalServer fake = new FakeSignalServer(); HttpClient client = HttpClient.newHttpClient()) {
            SignalConnection signal = new SignalConnection(handler);
            signal.open(client, fake.url(), "not-a-real-token", true, Duration.ofSeconds(10));
            List<SignalResponse> expected = new ArrayList<>();
            for (int i = 0; i < Fuzz.INPUTS; i++) {
                if (fuzz.chance(0.03)) {
                    fake.sendText(fuzz.string());
                    ignored++;
                } else {
                    byte[] frame = switch (fuzz.nextInt(4)) {
                        case 0 -> fuzz.bytes();
                        case 1, 2 -> fuzz.mutate(message(fuzz).toByteArray());
                        default -> message(fuzz).toByteArray();
                    };
                    int parts = fuzz.chance(0.2) ? 2 + fuzz.nextInt(4) : 1;
                    split += parts > 1 ? 1 : 0;
                    fake.sendBinary(frame, parts);
                    try {
                        expected.add(SignalResponse.parseFrom(frame));
                        parsedCount++;
                    } catch (InvalidProtocolBufferException e) {
                        ignored++;
                    }
                }
                if (i % 100 == 99 || i == Fuzz.INPUTS - 1) {
                    // A marker after every 100 inputs: all before it must have been handled in time.
                    SignalResponse marker = SignalResponse.newBuilder().setPongResp(LivekitRtc.Pong.newBuilder()
                            .setLastPingTimestamp(-i)).build();
                    fake.sendBinary(marker.toByteArray(), 1);
                    expected.add(marker);
                    for (SignalResponse want : expected) {
                        SignalResponse got = delivered.poll(HANG_NANOS, TimeUnit.NANOSECONDS);
                        assertThat(got).as("input %d of seed %d: a message not delivered in time", i, fuzz.seed()).isNotNull();
                        assertThat(got).as("input %d of seed %d: delivered in order", i, fuzz.seed()).isEqualTo(want);
                    }
                    expected.clear();
                    assertThat(lost.get()).as("the socket was lost at input %d of seed %d", i, fuzz.seed()).isNull();
                    assertThat(failures).as("seed %d", fuzz.seed()).isEmpty();
                }
            }
            signal.close(Duration.ofSeconds(2));
        }
        assertThat(slowestNanos.get()).isLessThan(HANG_NANOS);
        System.out.printf("[fuzz] signal messages: %d frames (%d split into continuation frames), %d delivered as "
                + "SignalResponse, %d ignored (no SignalResponse, or text); slowest handling %.1f ms; one socket throughout%n",
                Fuzz.INPUTS, split, parsedCount, ignored, slowestNanos.get() / 1e6);
        assertThat(parsedCount).isPositive();
        assertThat(ignored).isPositive();
    }

    @Test
    void anyParticipantUpdateKeepsTheDirectoryConsistent() {
        Fuzz fuzz = Fuzz.seeded("participant attributes and metadata");
        ParticipantDirectory directory = new ParticipantDirectory();
        int events = 0;
        int attributeChanges = 0;
        long slowest = 0;
        for (int i = 0; i < Fuzz.INPUTS; i++) {
            List<ParticipantInfo> update = new ArrayList<>();
            for (int n = fuzz.nextInt(4); n >= 0; n--) {
                update.add(fuzz.chance(0.1) ? mutated(fuzz) : participant(fuzz));
            }
            long started = System.nanoTime();
            List<RoomEvent> out;
            try {
                if (fuzz.chance(0.02)) {
                    directory.reset(update);
                    out = List.of();
                } else {
                    out = directory.apply(update);
                }
            } catch (RuntimeException e) {
                throw new AssertionError("input " + i + " of seed " + fuzz.seed() + " threw", e);
            }
            long took = System.nanoTime() - started;
            slowest = Math.max(slowest, took);
            assertThat(took).as("input %d of seed %d hung", i, fuzz.seed()).isLessThan(HANG_NANOS);
            for (Map.Entry<String, Participant> entry : directory.snapshot().entrySet()) {
                assertThat(entry.getKey()).as("input %d of seed %d: a participant under another identity", i, fuzz.seed())
                        .isEqualTo(entry.getValue().identity()).isNotEmpty();
                AgentState.of(entry.getValue()); // reads lk.agent.state, whatever it holds
            }
            for (RoomEvent event : out) {
                if (event instanceof RoomEvent.ParticipantAttributesChanged changed) {
                    assertThat(changed.changed()).isNotEmpty();
                    attributeChanges++;
                }
            }
            events += out.size();
        }
        System.out.printf("[fuzz] participant attributes and metadata: %d updates, %d events (%d attribute changes), "
                + "%d participants known at the end; slowest %.1f ms%n", Fuzz.INPUTS, events, attributeChanges,
                directory.snapshot().size(), slowest / 1e6);
        assertThat(events).isPositive();
        assertThat(attributeChanges).isPositive();
    }

    /** A valid SignalResponse of a kind chosen at random, with hostile fields. */
    private static SignalResponse message(Fuzz f) {
        SignalResponse.Builder b = SignalResponse.newBuilder();
        switch (f.nextInt(9)) {
            case 0 -> b.setUpdate(LivekitRtc.ParticipantUpdate.newBuilder().addParticipants(participant(f))
                    .addParticipants(participant(f)));
            case 1 -> b.setJoin(LivekitRtc.JoinResponse.newBuilder().setRoom(LivekitModels.Room.newBuilder()
                    .setName(f.string()).setSid(f.string()).setMetadata(f.string())).setParticipant(participant(f))
                    .addOtherParticipants(participant(f)).setPingInterval(f.random().nextInt()));
            case 2 -> b.setTrickle(LivekitRtc.TrickleRequest.newBuilder().setCandidateInit(f.string()));
            case 3 -> b.setLeave(LivekitRtc.LeaveRequest.newBuilder().setReasonValue(f.nextInt(30)).setActionValue(f.nextInt(5)));
            case 4 -> b.setRoomUpdate(LivekitRtc.RoomUpdate.newBuilder().setRoom(LivekitModels.Room.newBuilder()
                    .setSid(f.string()).setMetadata(f.string())));
            case 5 -> b.setRefreshToken(f.string());
            case 6 -> b.setSpeakersChanged(LivekitRtc.SpeakersChanged.newBuilder().addSpeakers(
                    LivekitModels.SpeakerInfo.newBuilder().setSid(f.string()).setLevel(f.random().nextFloat())));
            case 7 -> b.setMute(LivekitRtc.MuteTrackRequest.newBuilder().setSid(f.string()).setMuted(f.chance(0.5)));
            default -> b.setPongResp(LivekitRtc.Pong.newBuilder().setLastPingTimestamp(f.random().nextLong()));
        }
        return b.build();
    }

    /** A participant with hostile identity, name, metadata, attributes, tracks, version, state and kind. */
    private static ParticipantInfo participant(Fuzz f) {
        ParticipantInfo.Builder b = ParticipantInfo.newBuilder()
                .setSid(f.chance(0.8) ? "PA_" + f.nextInt(6) : f.string())
                .setIdentity(f.chance(0.6) ? "p" + f.nextInt(6) : f.chance(0.5) ? "" : f.string())
                .setVersion(f.chance(0.7) ? f.nextInt(20) : f.random().nextInt())
                .setStateValue(f.nextInt(6))
                .setKindValue(f.nextInt(10))
                .setName(f.chance(0.5) ? "name" : f.string())
                .setMetadata(f.chance(0.5) ? "" : f.string());
        for (int n = f.nextInt(f.chance(0.05) ? 300 : 5); n > 0; n--) {
            b.putAttributes(f.chance(0.2) ? "lk.agent.state" : f.chance(0.5) ? "k" + f.nextInt(4) : f.string(), f.string());
        }
        for (int n = f.nextInt(3); n > 0; n--) {
            b.addTracks(TrackInfo.newBuilder().setSid(f.chance(0.7) ? "TR_" + f.nextInt(5) : f.string()).setName(f.string())
                    .setTypeValue(f.nextInt(6)).setSourceValue(f.nextInt(8)).setMuted(f.chance(0.3)).setMimeType(f.string()));
        }
        return b.build();
    }

    /** A participant's bytes with a mutation, when they still parse; else a fresh one. */
    private static ParticipantInfo mutated(Fuzz f) {
        try {
            return ParticipantInfo.parseFrom(f.mutate(participant(f).toByteArray()));
        } catch (InvalidProtocolBufferException e) {
            return participant(f);
        }
    }
}
