package io.openrtc.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.pool.PoolOptions;
import io.openrtc.rtc.PcmResampler;
import io.openrtc.runtime.AgentPool;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.ScenarioReport;
import io.openrtc.test.NodePeer;
import io.openrtc.test.ScriptedChatServer;
import io.openrtc.test.SpeechServer;
import io.openrtc.test.SpeechServerTest;
import io.openrtc.voice.ConversationOptions;
import io.openrtc.voice.VoiceEvent;
import io.openrtc.voice.VoiceOptions;
import io.openrtc.voice.VoiceProviders;
import io.openrtc.voice.VoiceSetup;
import io.openrtc.voice.audio.NoiseSuppressor;
import io.openrtc.voice.stt.UtteranceSpeechToText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random conversations: a third-party caller (LiveKit's Node SDK) plays, in an order a seed
 * draws, questions, silences, noise bursts, coughs, filler words, barge-ins and chat messages at
 * an agent whose real speech-to-text and text-to-speech (the speech server's Whisper and Piper,
 * through Spring AI) now and then fail or stall, and whose scripted model (the one stub) now and
 * then errors or hangs. After every step the four invariants are checked ({@link InvariantMonitor});
 * at the end the pipeline must come back to listening, and once the caller left, the session's
 * threads and native objects must be gone.
 *
 * <p>Each run draws a new seed ({@code -Dopenrtc.random.seed} replays one; {@code
 * -Dopenrtc.random.steps} sets the length: 100 steps at CI size, 300 with {@code
 * -Dopenrtc.reliability.size=full}, more for a nightly run; each step costs about 2 s). A failing
 * seed is printed; add it, with the step count printed, to {@code random-conversation-seeds.txt}
 * to keep it as a regression case. The seed fixes what the caller does and the faults' draws,
 * not the machine's timing.
 */
@LiveKitServerTest
@SpeechServerTest
class RandomConversationTest {

    private static final Duration SETTLED = Duration.ofSeconds(40);
    private static final Duration STEP_WAIT = Duration.ofSeconds(60);

    static Stream<String> seeds() throws IOException {
        List<String> seeds = new ArrayList<>();
        String fixed = System.getProperty("openrtc.random.seed");
        int steps = Integer.getInteger("openrtc.random.steps", ScenarioReport.sized(100, 300));
        seeds.add((fixed != null ? fixed : Long.toString(System.nanoTime() ^ System.currentTimeMillis())) + ":" + steps);
        try (InputStream regressions = RandomConversationTest.class.getResourceAsStream("/random-conversation-seeds.txt")) {
            if (regressions != null && fixed == null) {
                new String(regressions.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                        .filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(seeds::add);
            }
        }
        return seeds.stream();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aRandomConversationKeepsEveryInvariant(String seedAndSteps, LiveKitServer server, SpeechServer speech,
            @TempDir Path dir) throws Exception {
        long seed = Long.parseLong(seedAndSteps.split(":")[0]);
        int count = Integer.parseInt(seedAndSteps.split(":")[1]);
        System.out.printf("[random] seed %d, %d steps (replay: -Dopenrtc.random.seed=%d -Dopenrtc.random.steps=%d)%n",
                seed, count, seed, count);
        Random faults = new Random(seed * 31 + 7);
        FlakyProviders.Faults injected = new FlakyProviders.Faults();
        List<OpenRtcEvent> poolEvents = new CopyOnWriteArrayList<>();
        long resamplersBefore = PcmResampler.liveNativeResamplers();
        long suppressorsBefore = NoiseSuppressor.live();
        try (ScriptedChatServer chat = ScriptedChatServer.start();
                NodePeer callers = NodePeer.start("caller.mjs");
                AgentPool pool = pool(server, speech, chat, faults, injected, poolEvents)) {
            RandomConversation.script(chat, faults);
            RandomConversation.Clips clips = RandomConversation.Clips.make(speech, dir);
            List<RandomConversation.Step> steps = RandomConversation.steps(seed, count, clips);

            String room = Dispatches.dispatchUntilAccepted(server, "random-conversation", "",
                    r -> PoolEvents.accepted(poolEvents, r) != null);
            String jobId = PoolEvents.accepted(poolEvents, room).job().jobId();
            String agent = "agent-" + jobId;
            VoiceCaller.join(callers, "caller", server, room, agent);
            InvariantMonitor monitor = await().atMost(STEP_WAIT).until(() -> InvariantMonitor.of(jobId), m -> m != null);

            Map<RandomConversation.Kind, Integer> played = new EnumMap<>(RandomConversation.Kind.class);
            for (RandomConversation.Step step : steps) {
                perform(callers, agent, step);
                played.merge(step.kind(), 1, Integer::sum);
                monitor.checkSettled(SETTLED);
                if (!monitor.violations().isEmpty()) {
                    fail(seed, step.index() + 1, step, monitor, injected);
                }
            }
            // Everything said must settle, and the agent come back to listening.
            // A quiet agent may still hold a paused answer (the last barge-in) or a transcription in
            // flight: wait for every turn to end, then record what did not.
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> monitor.isQuiet() && monitor.isSettled());
            } catch (ConditionTimeoutException unsettled) {
                // checkSettled below names what never ended.
            }
            monitor.checkSettled(Duration.ZERO);
            if (!monitor.violations().isEmpty()) {
                fail(seed, count, steps.getLast(), monitor, injected);
            }
            long answered = monitor.count(VoiceEvent.UserTurnAnswered.class);
            System.out.printf("[random] seed %d: %s; %d turns committed, %d answered, %d dropped; %d interruptions, "
                            + "%d false; %d provider failures (%s); %d state repairs; longest speaking silence %d ms%n",
                    seed, played, monitor.count(VoiceEvent.UserTurnCommitted.class), answered,
                    monitor.count(VoiceEvent.UserTurnDropped.class), monitor.count(VoiceEvent.AgentInterrupted.class),
                    monitor.count(VoiceEvent.FalseInterruption.class), monitor.count(VoiceEvent.ProviderFailed.class),
                    injected, monitor.count(VoiceEvent.StateRepaired.class), monitor.longestSpeakingSilenceMs());
            // Not vacuous: the agent held a conversation through it all.
            assertThat(answered).as("turns answered").isGreaterThanOrEqualTo(count / 20);
            assertThat(monitor.count(VoiceEvent.StateRepaired.class)).as("stuck states the watchdog had to repair").isZero();

            // No leak: once the caller leaves, the session ends and takes its threads and native objects along.
            callers.leaveCaller("caller");
            await().atMost(Duration.ofSeconds(30)).until(() -> poolEvents.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.SessionEnded ended && ended.session().jobId().equals(jobId)));
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                // The runtime's shared timer thread serves every session of the JVM; the session's own are gone.
                assertThat(ThreadCensus.named("openrtc-voice")).as("voice threads left").containsOnly("openrtc-voice-timers");
                assertThat(PcmResampler.liveNativeResamplers()).as("native resamplers").isEqualTo(resamplersBefore);
                assertThat(NoiseSuppressor.live()).as("noise suppressors").isEqualTo(suppressorsBefore);
            });
        }
    }

    private static void perform(NodePeer callers, String agent, RandomConversation.Step step) {
        String tag = "s" + step.index();
        switch (step.kind()) {
            case CHAT -> callers.sendText("caller", tag, "lk.chat", step.text(), Map.of());
            case BARGE_IN -> {
                long since = System.currentTimeMillis();
                // Speak over the agent once it speaks; if it does not within a few seconds, speak anyway.
                awaitAgentAudio(callers, agent, since);
                play(callers, tag, step.clip());
            }
            default -> play(callers, tag, step.clip());
        }
    }

    private static void awaitAgentAudio(NodePeer callers, String agent, long since) {
        try {
            callers.await(e -> e.is("heard", "caller") && e.text("participant").equals(agent) && e.tMs() >= since
                    && e.number("rms") > 300, Duration.ofSeconds(4));
        } catch (AssertionError silent) {
            // The agent had nothing to say (a fault, or it already answered): the barge-in is plain speech then.
        }
    }

    private static void play(NodePeer callers, String tag, Path clip) {
        callers.play("caller", tag, clip);
        callers.awaitTagged("playEnded", "caller", tag, STEP_WAIT);
    }

    private static void fail(long seed, int steps, RandomConversation.Step step, InvariantMonitor monitor,
            FlakyProviders.Faults injected) {
        StringBuilder report = new StringBuilder("Random conversation broke an invariant at step " + step + " (seed " + seed
                + "). Keep it as a regression case: add the line '" + seed + ":" + steps
                + "' to openrtc-spring-ai/src/test/resources/random-conversation-seeds.txt. Faults injected: " + injected);
        monitor.violations().forEach(v -> report.append("\n  ").append(v));
        monitor.events().stream().skip(Math.max(0, monitor.events().size() - 40))
                .forEach(e -> report.append("\n    event ").append(e));
        throw new AssertionError(report.toString());
    }

    private static AgentPool pool(LiveKitServer server, SpeechServer speech, ScriptedChatServer chat, Random faults,
            FlakyProviders.Faults injected, List<OpenRtcEvent> events) {
        VoiceProviders real = SpeechModels.providers(speech.openAiBaseUrl().toString());
        VoiceProviders providers = new VoiceProviders(
                FlakyProviders.stt((UtteranceSpeechToText) real.stt(), faults, new FlakyProviders.Odds(0.04, 0.03), injected),
                FlakyProviders.tts(real.tts(), faults, new FlakyProviders.Odds(0.04, 0.04), injected),
                SpeechModels.chat(chat.baseUrl()));
        VoiceOptions options = VoiceOptions.builder().sttTimeout(Duration.ofSeconds(4)).ttsTimeout(Duration.ofSeconds(3))
                .conversation(new ConversationOptions(Duration.ofSeconds(3), 5, Duration.ofSeconds(5),
                        ConversationOptions.DEFAULTS.apology(), Duration.ZERO, "", false,
                        ConversationOptions.HandoffHistory.KEEP))
                .build();
        AgentPool pool = AgentPool.builder().add(new RandomConversation.Agent()).voice(VoiceSetup.of(options, providers))
                .livekit(server.url(), server.apiKey(), server.apiSecret()).agentName("random-conversation")
                .poolOptions(PoolOptions.defaults()).listener(events::add).build();
        pool.start();
        return pool;
    }
}
