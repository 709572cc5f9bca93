package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.TestTokens;
import io.openrtc.test.Tones;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A Java room against a real livekit-server and a real LiveKit caller (LiveKit's Node SDK):
 * audio both ways, measured by its dominant frequency, and a server-side room deletion.
 */
@LiveKitServerTest
class RoomAudioTest extends RoomWithCallersTest {

    @Test
    void hearsTheCallersToneWithinTwoSecondsOfPublishing(LiveKitServer server) throws Exception {
        String roomName = "audio-in-" + UUID.randomUUID();
        try (Room room = joinAsAgent(server, roomName, "agent-in")) {
            assertThat(room.name()).isEqualTo(roomName);
            assertThat(room.localIdentity()).isEqualTo("agent-in");
            RoomEventStream events = room.events();

            callers.joinCaller("in", server.url(), server.participantToken(roomName, "caller-in"), 440);
            NodePeer.Event published = callers.await(e -> e.is("published", "in"), Duration.ofSeconds(20));

            RemoteAudioTrack track = room.awaitAudioTrack(t -> t.participantIdentity().equals("caller-in"),
                    Duration.ofSeconds(10)).orElseThrow(() -> new AssertionError("the caller's track was not subscribed"));
            assertThat(track.publication().source()).isEqualTo(TrackSource.MICROPHONE);
            assertThat(room.remoteParticipant("caller-in")).isPresent();

            assertThat(eventsUntil(events, RoomEvent.TrackSubscribed.class)).extracting(e -> e.getClass().getSimpleName())
                    .containsSubsequence("ParticipantJoined", "TrackPublished", "TrackSubscribed");

            HeardTone heard = listenFor(track, 440, Duration.ofSeconds(10));
            long latency = heard.atMillis() - published.tMs();
            System.out.printf("[rooms] heard %.1f Hz (rms %.0f) %d ms after the caller published; frame %d Hz x %d ch, "
                    + "%d frames read, %d dropped%n", heard.hz(), heard.rms(), latency, heard.sampleRate(),
                    heard.channels(), heard.framesRead(), heard.dropped());
            assertThat(heard.hz()).isCloseTo(440, org.assertj.core.data.Offset.offset(10.0));
            assertThat(latency).as("ms from the caller publishing to 440 Hz heard").isLessThan(2_000);

            // The caller leaving ends the track and its streams.
            try (AudioFrameStream stream = track.openStream()) {
                callers.leaveCaller("in");
                await().atMost(Duration.ofSeconds(10)).until(stream::isEnded);
                await().atMost(Duration.ofSeconds(10)).until(() -> room.remoteParticipant("caller-in").isEmpty());
                assertThat(track.isEnded()).isTrue();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.liveObjects().isZero());
    }

    @Test
    void callerHearsTheRoomsTone(LiveKitServer server) throws Exception {
        String roomName = "audio-out-" + UUID.randomUUID();
        try (Room room = joinAsAgent(server, roomName, "agent-out")) {
            LocalAudioTrack voice = room.publishAudio("agent-voice");
            assertThat(voice.sid()).startsWith("TR_");
            try (ToneWriter writer = new ToneWriter(voice, 880, 48_000)) {
                callers.joinCaller("out", server.url(), server.participantToken(roomName, "caller-out"), 0);
                NodePeer.Event heard = callers.await(e -> e.is("heard", "out") && e.text("participant").equals("agent-out")
                        && e.number("rms") > 1000 && Math.abs(e.number("hz") - 880) < 10, Duration.ofSeconds(15));
                System.out.printf("[rooms] the caller heard %.1f Hz (rms %.0f) from the room's track %s%n",
                        heard.number("hz"), heard.number("rms"), voice.sid());
                assertThat(heard.text("trackSid")).isEqualTo(voice.sid());
                assertThat(writer.failure()).isNull();
            }
            assertThat(voice.framesSent()).isPositive();
            voice.unpublish();
            assertThat(voice.isPublished()).isFalse();
            callers.await(e -> e.is("unsubscribed", "out") && e.text("trackSid").equals(voice.sid()), Duration.ofSeconds(10));
            callers.leaveCaller("out");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.liveObjects().isZero());
    }

    @Test
    void roomDeletionClosesTheRoomAndReleasesEveryNativeObject(LiveKitServer server) throws Exception {
        String roomName = "delete-" + UUID.randomUUID();
        Room room = joinAsAgent(server, roomName, "agent-del");
        RoomEventStream events = room.events();
        LocalAudioTrack voice = room.publishAudio("agent-voice");
        callers.joinCaller("del", server.url(), server.participantToken(roomName, "caller-del"), 440);
        RemoteAudioTrack track = room.awaitAudioTrack(t -> t.participantIdentity().equals("caller-del"),
                Duration.ofSeconds(20)).orElseThrow();
        AudioFrameStream stream = track.openStream();
        assertThat(stream.read(Duration.ofSeconds(10))).isNotNull();
        NativeObjectCounts during = runtime.liveObjects();
        System.out.println("[rooms] live native objects in a joined room: " + during);
        assertThat(during.peerConnections()).isEqualTo(2);
        assertThat(during.localTracks()).isEqualTo(1);
        assertThat(during.audioSinks()).isEqualTo(1);

        assertThat(server.roomService().deleteRoom(roomName).execute().isSuccessful()).isTrue();

        CloseReason reason = room.awaitClosed(Duration.ofSeconds(10)).orElseThrow(
                () -> new AssertionError("the room did not close after it was deleted"));
        assertThat(reason.cause()).isEqualTo(CloseReason.Cause.ROOM_DELETED);
        assertThat(reason.isNormal()).isTrue();
        assertThat(room.closeReason()).contains(reason);
        assertThat(stream.isEnded()).isTrue();
        assertThat(voice.isPublished()).isFalse();
        RoomEvent last = null;
        for (RoomEvent e = events.poll(Duration.ofSeconds(5)); e != null; e = events.poll(Duration.ofSeconds(5))) {
            last = e;
        }
        assertThat(last).isEqualTo(new RoomEvent.Closed(reason));
        NativeObjectCounts after = runtime.liveObjects();
        System.out.println("[rooms] live native objects after the deletion: " + after);
        assertThat(after.isZero()).as("nothing alive after %s", after).isTrue();
        room.close(); // idempotent
        assertThat(room.closeReason()).contains(reason);
        callers.leaveCaller("del");
    }

    @Test
    void twoReceivingShardsEachDeliverTheirRoomsAudio(LiveKitServer server) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (RtcRuntime sharded = RtcRuntime.create(new RtcRuntimeOptions(2)).prewarm();
                Room first = Room.connect(sharded, server.url(), TestTokens.agent(server, "shard-a-" + run, "agent-a"),
                        RoomOptions.defaults());
                Room second = Room.connect(sharded, server.url(), TestTokens.agent(server, "shard-b-" + run, "agent-b"),
                        RoomOptions.defaults())) {
            callers.joinCaller("sa", server.url(), server.participantToken("shard-a-" + run, "caller-a"), 440);
            callers.joinCaller("sb", server.url(), server.participantToken("shard-b-" + run, "caller-b"), 660);
            RemoteAudioTrack a = first.awaitAudioTrack(t -> true, Duration.ofSeconds(20)).orElseThrow();
            RemoteAudioTrack b = second.awaitAudioTrack(t -> true, Duration.ofSeconds(20)).orElseThrow();
            assertThat(listenFor(a, 440, Duration.ofSeconds(10)).hz()).isBetween(430.0, 450.0);
            assertThat(listenFor(b, 660, Duration.ofSeconds(10)).hz()).isBetween(650.0, 670.0);
            callers.leaveCaller("sa");
            callers.leaveCaller("sb");
        }
    }

    /** Events up to and including the first of {@code type}. */
    private static java.util.List<RoomEvent> eventsUntil(RoomEventStream events, Class<? extends RoomEvent> type)
            throws InterruptedException {
        java.util.List<RoomEvent> seen = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            RoomEvent event = events.poll(Duration.ofMillis(200));
            if (event != null) {
                seen.add(event);
                if (type.isInstance(event)) {
                    return seen;
                }
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " among " + seen);
    }

    record HeardTone(double hz, double rms, long atMillis, int sampleRate, int channels, long framesRead, long dropped) {
    }

    /**
     * Listens to {@code identity}'s audio until it carries {@code hz}, following a republished
     * track when the caller's SDK replaces one (it retries a publication that timed out).
     */
    static HeardTone hearFrom(Room room, String identity, double hz, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        AssertionError last = null;
        while (System.nanoTime() < deadline) {
            Duration left = Duration.ofNanos(deadline - System.nanoTime());
            RemoteAudioTrack track = room.awaitAudioTrack(t -> t.participantIdentity().equals(identity) && !t.isEnded(),
                    left).orElse(null);
            if (track == null) {
                break;
            }
            try {
                return listenFor(track, hz, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (AssertionError e) {
                last = e;
                if (!track.isEnded()) {
                    throw e;
                }
            }
        }
        throw last != null ? last : new AssertionError("no audio track from " + identity + " within " + timeout.toMillis() + " ms");
    }

    /** Reads the track until a 4096-sample block is dominated by {@code hz} (and not silent). */
    static HeardTone listenFor(RemoteAudioTrack track, double hz, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        double lastHz = Double.NaN;
        long frames = 0;
        try (AudioFrameStream stream = track.openStream()) {
            ToneWindow window = new ToneWindow(4096);
            while (System.nanoTime() < deadline) {
                AudioFrame frame = stream.read(Duration.ofMillis(500));
                if (frame == null) {
                    if (stream.isEnded()) {
                        break;
                    }
                    continue;
                }
                frames++;
                short[] block = window.add(frame);
                if (block == null) {
                    continue;
                }
                lastHz = Tones.dominantFrequency(block, frame.sampleRate());
                double rms = Tones.rms(block);
                if (rms > 1000 && Math.abs(lastHz - hz) < 10) {
                    return new HeardTone(lastHz, rms, frame.timestampMillis(), frame.sampleRate(), frame.channels(),
                            frames, stream.droppedFrames());
                }
            }
        }
        throw new AssertionError("no " + hz + " Hz block within " + timeout.toMillis() + " ms on " + track
                + " (last dominant frequency " + lastHz + " Hz after " + frames + " frames)");
    }
}
