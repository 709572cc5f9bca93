package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.TestTokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Twenty rooms at once in one JVM, each with its own LiveKit caller (two Node processes drive ten
 * callers each): every room hears its caller's 440 Hz tone and every caller hears its room's
 * 880 Hz tone. All twenty rooms and callers stay joined, and the rooms keep publishing, until the
 * end; each caller goes quiet once both directions were verified, because LiveKit's Node SDK costs
 * about a tenth of a core per caller with audio both ways and twenty of them alone would saturate
 * this 2-core machine. The budget is generous; the figures are printed.
 */
@LiveKitServerTest
class ConcurrentRoomsTest {

    private static final int ROOMS = 20;
    /**
     * Rooms that join and verify their audio at the same moment. All twenty rooms stay joined and
     * publishing together; only the third-party callers' audio checks are spread, because each
     * LiveKit Node SDK caller with audio both ways costs about a tenth of a core and, on a saturated
     * 2-core machine, that SDK's own publication timeout expires.
     */
    private static final Semaphore VERIFYING = new Semaphore(3);

    record Figures(int index, long joinMillis, long subscribedMillis, long hearMillis, long callerSubscribedMillis,
            long callerHeardMillis, double hz, double callerHz) {
    }

    @Test
    void twentyRoomsEachHearTheirCallerAndAreHeard(LiveKitServer server) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<Figures> figures = Collections.synchronizedList(new ArrayList<>());
        Map<Integer, Room> rooms = new ConcurrentHashMap<>();
        long started = System.nanoTime();
        try (RtcRuntime runtime = RtcRuntime.create(RtcRuntimeOptions.defaults()).prewarm();
                NodePeer first = NodePeer.start("caller.mjs");
                NodePeer second = NodePeer.start("caller.mjs");
                ExecutorService sessions = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < ROOMS; i++) {
                int index = i;
                NodePeer callers = i % 2 == 0 ? first : second;
                results.add(sessions.submit(() -> {
                    session(server, runtime, callers, run, index, rooms, figures);
                    return null;
                }));
            }
            for (Future<?> result : results) {
                result.get(240, TimeUnit.SECONDS);
            }
            long allMillis = (System.nanoTime() - started) / 1_000_000;
            NativeObjectCounts live = runtime.liveObjects();
            System.out.printf("[rooms] %d concurrent rooms passed in %d ms; live native objects %s%n", ROOMS, allMillis, live);
            figures.sort((a, b) -> Integer.compare(a.index(), b.index()));
            for (Figures f : figures) {
                System.out.printf("[rooms]   room %2d: joined in %5d ms; after its caller published, the room subscribed "
                        + "in %5d ms and heard 440 Hz (%.1f) in %5d ms; after the caller joined, it subscribed in %5d ms "
                        + "and heard 880 Hz (%.1f) in %5d ms%n", f.index(), f.joinMillis(), f.subscribedMillis(), f.hz(),
                        f.hearMillis(), f.callerSubscribedMillis(), f.callerHz(), f.callerHeardMillis());
            }
            System.out.printf("[rooms] callers that had to rejoin before hearing their room: %d%n", rejoins.get());
            System.out.printf("[rooms] max: join %d ms, hear %d ms, heard by caller %d ms%n",
                    figures.stream().mapToLong(Figures::joinMillis).max().orElse(0),
                    figures.stream().mapToLong(Figures::hearMillis).max().orElse(0),
                    figures.stream().mapToLong(Figures::callerHeardMillis).max().orElse(0));
            assertThat(figures).hasSize(ROOMS);
            assertThat(live.rooms()).isEqualTo(ROOMS);
            assertThat(live.peerConnections()).isEqualTo(2L * ROOMS);
            // Still all together: every room open and every room's track still being sent.
            Map<Integer, Long> sent = new ConcurrentHashMap<>();
            voices.forEach((i, voice) -> sent.put(i, voice.framesSent()));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> voices.forEach((i, voice) ->
                    assertThat(voice.framesSent()).as("frames sent by room %d", i).isGreaterThan(sent.get(i) + 50)));
            assertThat(rooms.values()).noneMatch(Room::isClosed);
            for (ToneWriter writer : writers.values()) {
                assertThat(writer.failure()).isNull();
                writer.close();
            }
            rooms.values().forEach(Room::close);
            await().atMost(Duration.ofSeconds(30)).until(() -> runtime.liveObjects().isZero());
        } finally {
            rooms.values().forEach(Room::close);
        }
    }

    private static final Map<Integer, LocalAudioTrack> voices = new ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicInteger rejoins = new java.util.concurrent.atomic.AtomicInteger();
    private static final Map<Integer, ToneWriter> writers = new ConcurrentHashMap<>();

    private static void session(LiveKitServer server, RtcRuntime runtime, NodePeer callers, String run, int index,
            Map<Integer, Room> rooms, List<Figures> figures) throws Exception {
        VERIFYING.acquire();
        try {
            verify(server, runtime, callers, run, index, rooms, figures);
        } finally {
            VERIFYING.release();
        }
    }

    private static void verify(LiveKitServer server, RtcRuntime runtime, NodePeer callers, String run, int index,
            Map<Integer, Room> rooms, List<Figures> figures) throws Exception {
        String roomName = "many-" + run + "-" + index;
        String agent = "agent-" + run + "-" + index;
        String caller = "caller-" + run + "-" + index;
        String callerId = "c" + index;
        long joinStarted = System.nanoTime();
        Room room = Room.connect(runtime, server.url(), TestTokens.agent(server, roomName, agent),
                RoomOptions.defaults().withConnectTimeout(Duration.ofSeconds(30)));
        rooms.put(index, room);
        long joinMillis = (System.nanoTime() - joinStarted) / 1_000_000;
        LocalAudioTrack voice = room.publishAudio("agent-voice");
        voices.put(index, voice);
        long voicePublishedAt = System.currentTimeMillis();
        ToneWriter writer = new ToneWriter(voice, 880, 24_000);
        writers.put(index, writer);
        // The caller first hears the room, then publishes: LiveKit's SDK negotiates one thing at a time.
        callers.joinCaller(callerId, server.url(), server.participantToken(roomName, caller), 0);
        NodePeer.Event callerHeard = null;
        int attempts = 0;
        while (callerHeard == null) {
            attempts++;
            try {
                callerHeard = callers.await(e -> e.is("heard", callerId) && e.text("participant").equals(agent)
                        && e.number("rms") > 1000 && Math.abs(e.number("hz") - 880) < 10, Duration.ofSeconds(20));
            } catch (AssertionError e) {
                List<String> history = callers.eventsOf(callerId).stream().filter(ev -> !ev.is("heard"))
                        .map(NodePeer.Event::toString).toList();
                if (attempts == 3) {
                    throw new AssertionError("room " + index + ": its caller did not hear 880 Hz in " + attempts
                            + " attempts; the room's track sent " + voice.framesSent() + " frames with "
                            + voice.underruns() + " underruns, writer failure " + writer.failure()
                            + "; the caller's events other than 'heard': " + history, e);
                }
                // LiveKit's Node SDK, starved of CPU, sometimes keeps a subscription silent: rejoin it.
                System.out.printf("[rooms]   room %d: caller attempt %d heard nothing; its events %s%n", index, attempts, history);
                callers.rejoinCaller(callerId);
            }
        }
        rejoins.addAndGet(attempts - 1);
        NodePeer.Event callerSubscribed = callers.await(e -> e.is("subscribed", callerId)
                && e.text("participant").equals(agent), Duration.ofSeconds(1));
        callers.publishTone(callerId, 440);
        NodePeer.Event published = callers.await(e -> e.is("published", callerId), Duration.ofSeconds(60));
        room.awaitAudioTrack(t -> t.participantIdentity().equals(caller), Duration.ofSeconds(60))
                .orElseThrow(() -> new AssertionError("room " + index + " got no caller track"));
        long subscribedAt = System.currentTimeMillis();
        RoomAudioTest.HeardTone heard = RoomAudioTest.hearFrom(room, caller, 440, Duration.ofSeconds(60));
        assertThat(writer.failure()).isNull();
        // Done with this caller's audio: its Node SDK costs about 10 % of a core with audio both
        // ways, and twenty of them would saturate the machine. Everyone stays in the room (LiveKit
        // closes a room that only agents are left in) and the room keeps publishing.
        callers.quiet(callerId);
        long callerJoined = callers.await(e -> e.is("joined", callerId), Duration.ofSeconds(1)).tMs();
        long callerStart = Math.max(voicePublishedAt, callerJoined);
        figures.add(new Figures(index, joinMillis, subscribedAt - published.tMs(), heard.atMillis() - published.tMs(),
                callerSubscribed.tMs() - callerStart, callerHeard.tMs() - callerStart, heard.hz(),
                callerHeard.number("hz")));
    }
}
