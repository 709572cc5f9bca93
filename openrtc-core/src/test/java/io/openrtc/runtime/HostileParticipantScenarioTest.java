package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.pool.PoolOptions;
import io.openrtc.rtc.DataStats;
import io.openrtc.rtc.Room;
import io.openrtc.rtc.RoomOptions;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.ScenarioReport;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Reliability scenario 6 (issue 18): a hostile third-party participant (LiveKit's Node SDK,
 * {@code openrtc-test/peers/hostile.mjs}) in a session's room floods data packets, opens text
 * streams it never ends, reuses stream ids, sends a byte stream larger than the room keeps and one
 * whose declared size is a lie, a stream header with a huge attribute, huge participant attributes
 * and metadata, and floods RPC calls. Meanwhile a well-behaved caller in the same room still hears
 * the agent's audio and gets its chat and RPC answers; heap after GC, the JVM's thread count and the
 * room's open streams stay bounded; each abuse is counted in {@link DataStats} and logged at most a
 * few times.
 */
@LiveKitServerTest
class HostileParticipantScenarioTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final long MIB = 1024 * 1024;

    @AutoClose
    private static NodePeer callers;
    @AutoClose
    private static NodePeer hostile;

    @BeforeAll
    static void startPeers() {
        callers = NodePeer.start("caller.mjs");
        hostile = NodePeer.start("hostile.mjs");
    }

    @Test
    void aHostileParticipantNeitherStopsTheSessionServingItsCallerNorGrowsItsMemory(LiveKitServer server) throws Exception {
        // CI: 1,000 packets per flood and 300 RPC calls at once; the full run five times that.
        int scale = ScenarioReport.sized(1, 5);
        ServingAgent agent = new ServingAgent();
        ScenarioCalls calls = new ScenarioCalls(server, callers, "hostile");
        WarnCounter warnings = WarnCounter.attach();
        // A room keeps streams of at most 1 MiB here, so that the oversize stream needs only 2 MiB.
        RoomOptions roomOptions = RoomOptions.defaults().withMaxStreamBytes(MIB);
        try (ScenarioReport report = ScenarioReport.start("hostile-participant");
             AgentPool pool = AgentPool.builder().add("served", agent)
                     .livekit(server.url(), server.apiKey(), server.apiSecret())
                     .agentName("hostile")
                     .roomOptions(roomOptions)
                     .poolOptions(PoolOptions.builder().drainTimeout(Duration.ofSeconds(5)).build())
                     .listener(calls.events::add)
                     .build()) {
            pool.start();
            String roomName = calls.dispatch("served", calls::running);
            String jobId = calls.session(roomName).orElseThrow().job().jobId();
            String agentIdentity = "agent-" + jobId;
            String caller = "caller-good";
            callers.joinCaller(caller, server.url(), server.participantToken(roomName, caller), 0, List.of("lk.chat"), List.of());
            callers.await(e -> e.is("heard", caller) && agentIdentity.equals(e.text("participant")) && e.number("rms") > 500, WAIT);
            ScenarioCalls.Call good = new ScenarioCalls.Call(roomName, jobId, caller, agentIdentity);
            Room room = await().atMost(WAIT).until(agent.room::get, r -> r != null);
            hostile.send(Map.of("op", "join", "id", "h", "url", server.url().toString(),
                    "token", server.participantToken(roomName, "hostile")));
            hostile.await(e -> e.is("joined", "h"), WAIT);

            Probe probe = new Probe(callers, caller, agentIdentity);
            probe.check(); // answers before any abuse, and warms the paths up
            Footprint baseline = Footprint.measure(room);
            report.figure("baseline", baseline);

            Map<String, Map<String, Object>> abuses = new LinkedHashMap<>();
            abuses.put("data flood", Map.of("op", "flood", "count", 1_000 * scale, "bytes", 14_000, "topic", "flood", "reliable", true));
            abuses.put("lossy data flood", Map.of("op", "flood", "count", 1_000 * scale, "bytes", 1_000, "topic", "flood", "reliable", false));
            abuses.put("never-ending streams", Map.of("op", "neverEnding", "count", 300, "topic", "lk.chat"));
            abuses.put("reused stream ids", Map.of("op", "reusedIds", "count", 50 * scale, "topic", "reused"));
            abuses.put("oversize byte stream", Map.of("op", "oversize", "bytes", 2 * (int) MIB, "topic", "blobs"));
            abuses.put("byte stream lying about its size", Map.of("op", "wrongSize", "declared", 10, "bytes", 100_000, "topic", "blobs"));
            abuses.put("stream header with a huge attribute", Map.of("op", "hugeHeader", "attrBytes", 12_000, "topic", "big"));
            abuses.put("huge attributes (64 x 4 KiB)", Map.of("op", "hugeAttributes", "keys", 64, "valueBytes", 4_096));
            abuses.put("many attributes (200 x 64 B)", Map.of("op", "hugeAttributes", "keys", 200, "valueBytes", 64));
            abuses.put("huge metadata", Map.of("op", "hugeMetadata", "bytes", 60_000));
            abuses.put("RPC flood (registered method)", Map.of("op", "rpcFlood", "to", agentIdentity, "count", 300 * scale,
                    "method", "ping", "payloadBytes", 100, "timeoutMs", 10_000));
            abuses.put("RPC flood (unknown method)", Map.of("op", "rpcFlood", "to", agentIdentity, "count", 300 * scale,
                    "method", "no-such-method", "payloadBytes", 14_000, "timeoutMs", 10_000));

            Footprint peak = baseline;
            int n = 0;
            for (Map.Entry<String, Map<String, Object>> abuse : abuses.entrySet()) {
                String name = abuse.getKey();
                String tag = "a" + (++n);
                DataStats before = room.dataStats();
                long warnedBefore = warnings.count();
                Map<String, Object> command = new LinkedHashMap<>(abuse.getValue());
                command.put("id", "h");
                command.put("tag", tag);
                // Aimed at the agent: the good caller's own SDK (and the test's record of its
                // events) would otherwise receive the flood too, and its memory would be measured.
                command.putIfAbsent("to", List.of(agentIdentity));
                long abuseStarted = System.nanoTime();
                hostile.send(command);
                NodePeer.Event done = hostile.awaitTagged("done", "h", tag, WAIT);
                // The caller is still served: audio through the abuse, then a chat answer and an RPC answer.
                ScenarioCalls.Audio audio = calls.measure(List.of(good), () -> true);
                Probe.Result answers = probe.check();
                Footprint now = Footprint.measure(room);
                peak = peak.max(now);
                DataStats after = room.dataStats();
                long warned = warnings.count() - warnedBefore;
                report.figure(name + ": peer says", summary(done));
                report.figure(name + ": counted", delta(before, after));
                report.figure(name + ": warnings logged", warned);
                report.figure(name + ": caller's audio after", audio);
                report.figure(name + ": caller's chat / RPC answer ms", answers);
                report.figure(name + ": footprint", now);
                report.figure(name + ": hostile's attributes / metadata as the room holds them (chars)", room.remoteParticipant("hostile")
                        .map(p -> p.attributes().size() + " keys, " + p.attributes().values().stream().mapToInt(String::length).sum()
                                + " / " + p.metadata().length()).orElse("not in the room"));

                assertThat(audio.minFramesPerSecond()).as("the caller's audio after %s", name).isGreaterThanOrEqualTo(40);
                assertThat(now.openStreams()).isLessThanOrEqualTo(128);
                // Logged a few times at most, never per packet: one warning per kind of abuse (3) per 10 s.
                long tenSeconds = 1 + (System.nanoTime() - abuseStarted) / 10_000_000_000L;
                assertThat(warned).as("warnings for %s", name).isLessThanOrEqualTo(3 * tenSeconds + 2);
                assertThat(room.isClosed()).isFalse();
            }
            DataStats totals = room.dataStats();
            report.figure("totals", totals);
            report.figure("peak", peak);
            Footprint end = Footprint.measure(room);
            report.figure("end", end);
            // Bounded: the streams never ended were dropped beyond 128; what was flooded is not held.
            assertThat(totals.droppedStreams()).as("streams dropped").isGreaterThanOrEqualTo(300 - 128);
            assertThat(totals.malformedPackets()).as("malformed packets counted").isPositive();
            assertThat(peak.heapAfterGcBytes() - baseline.heapAfterGcBytes()).as("heap growth").isLessThan(96 * MIB);
            assertThat(peak.threads() - baseline.threads()).as("thread growth").isLessThan(32);

            hostile.send(Map.of("op", "exit"));
            calls.deleteRoom(roomName);
            assertThat(calls.outcome(roomName)).isInstanceOf(SessionOutcome.Success.class);
            report.figure("session outcome", ScenarioCalls.describe(calls.outcome(roomName)));
        } finally {
            warnings.detach();
            callers.leaveCaller("caller-good");
        }
    }

    private static String summary(NodePeer.Event done) {
        var json = done.json().deepCopy();
        if (json instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            o.remove(List.of("event", "id", "tag", "tMs"));
        }
        return json.toString();
    }

    private static String delta(DataStats a, DataStats b) {
        return "received " + (b.packetsReceived() - a.packetsReceived()) + ", malformed " + (b.malformedPackets() - a.malformedPackets())
                + ", duplicates " + (b.duplicatePackets() - a.duplicatePackets()) + ", streams dropped "
                + (b.droppedStreams() - a.droppedStreams()) + ", messages dropped " + (b.droppedMessages() - a.droppedMessages())
                + ", RPC handled " + (b.rpcCallsHandled() - a.rpcCallsHandled()) + ", RPC refused "
                + (b.rpcCallsRefused() - a.rpcCallsRefused()) + ", open streams " + b.openStreams();
    }

    /** The good caller asks the agent once by chat and once by RPC; both must be answered. */
    private static final class Probe {
        record Result(long chatMs, long rpcMs) {
            @Override
            public String toString() {
                return chatMs + " / " + rpcMs;
            }
        }

        private final NodePeer callers;
        private final String caller;
        private final String agent;
        private final AtomicInteger n = new AtomicInteger();

        Probe(NodePeer callers, String caller, String agent) {
            this.callers = callers;
            this.caller = caller;
            this.agent = agent;
        }

        Result check() {
            String text = "probe-" + n.incrementAndGet();
            long t0 = System.nanoTime();
            callers.sendText(caller, "t-" + text, "lk.chat", text, Map.of());
            callers.await(e -> e.is("text", caller) && ("heard: " + text).equals(e.text("text")), WAIT);
            long chat = (System.nanoTime() - t0) / 1_000_000;
            t0 = System.nanoTime();
            callers.performRpc(caller, "r-" + text, agent, "ping", text, 20_000);
            NodePeer.Event answer = callers.awaitTagged("rpcResult", caller, "r-" + text, WAIT);
            assertThat(answer.text("payload")).isEqualTo("pong:" + text);
            return new Result(chat, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** Heap after a full collection, the JVM's live threads, the room's open incoming streams. */
    record Footprint(long heapAfterGcBytes, int threads, int openStreams) {
        static Footprint measure(Room room) {
            System.gc(); // a full collection: what is left is what is held
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            return new Footprint(heap, ManagementFactory.getThreadMXBean().getThreadCount(), room.dataStats().openStreams());
        }

        Footprint max(Footprint o) {
            return new Footprint(Math.max(heapAfterGcBytes, o.heapAfterGcBytes), Math.max(threads, o.threads),
                    Math.max(openStreams, o.openStreams));
        }

        @Override
        public String toString() {
            return "heap after GC " + heapAfterGcBytes / MIB + " MiB, " + threads + " threads, " + openStreams + " open streams";
        }
    }

    /** Counts the WARN (and worse) events of {@code io.openrtc} loggers. */
    private static final class WarnCounter extends AppenderBase<ILoggingEvent> {
        private final AtomicLong count = new AtomicLong();
        private Logger logger;

        static WarnCounter attach() {
            WarnCounter counter = new WarnCounter();
            counter.logger = (Logger) LoggerFactory.getLogger("io.openrtc");
            counter.start();
            counter.logger.addAppender(counter);
            return counter;
        }

        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
                count.incrementAndGet();
            }
        }

        long count() {
            return count.get();
        }

        void detach() {
            logger.detachAppender(this);
            stop();
        }
    }
}
