package io.openrtc.spring.actuate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.VoiceMetric;
import io.openrtc.runtime.AgentPool;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The voice meters (listed with their tags and what to alert on in {@code docs/metrics.md}): per
 * turn and agent, the end-of-utterance delay, the speech-to-text latency, the model's time to its
 * first token, text-to-speech's time to its first audio, the response latency (end of the user's
 * speech to the agent's first audio frame) and the framework's own share of it, as histograms
 * that aggregate across pods (no client-side percentiles); counters of turns, interruptions, tool
 * calls, provider errors and usage (tokens, seconds of audio transcribed, characters spoken), from
 * which a bill can be derived. Sessions in child JVMs report theirs through the parent.
 */
public class OpenRtcVoiceMetrics implements MeterBinder {

    /**
     * Histogram buckets of the turn timings: a voice turn lives between 50 ms and 10 s. Override
     * them with {@code management.metrics.distribution.slo.<meter name>}.
     */
    static final Duration[] BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200),
            Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofMillis(750), Duration.ofSeconds(1),
            Duration.ofMillis(1500), Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    /** The timers, by the step they time. */
    enum Step {
        END_OF_UTTERANCE("openrtc.voice.end_of_utterance", "From the end of the user's speech to the turn's commit"),
        STT("openrtc.voice.stt.latency", "One speech-to-text request, for the turn's last utterance"),
        LLM_FIRST_TOKEN("openrtc.voice.llm.first_token", "From the request to the language model's first text"),
        TTS_FIRST_BYTE("openrtc.voice.tts.first_byte", "From a synthesis request to its first audio"),
        RESPONSE("openrtc.voice.response.latency",
                "From the end of the user's speech (or a typed turn's arrival) to the agent's first audio frame sent"),
        FRAMEWORK("openrtc.voice.framework",
                "The response latency less the providers' shares: the framework's own part, the VAD's minimum silence included");

        final String meter;
        final String description;

        Step(String meter, String description) {
            this.meter = meter;
            this.description = description;
        }
    }

    private final AgentPool agentPool;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

    /** Subscribes to the pool's events at once, so that no turn is missed. */
    public OpenRtcVoiceMetrics(AgentPool agentPool) {
        this.agentPool = Objects.requireNonNull(agentPool, "agentPool");
        agentPool.addRuntimeListener(this::record);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        // Registered from the start, so that dashboards and alerts see every series before the first call.
        for (String agent : agentPool.agents().names()) {
            for (Step step : Step.values()) {
                timer(registry, step, agent);
            }
            for (String source : List.of("speech", "text")) {
                turns(registry, agent, source);
            }
            interruptions(registry, agent, true);
            interruptions(registry, agent, false);
            tokens(registry, agent, "prompt");
            tokens(registry, agent, "completion");
            sttAudio(registry, agent);
            ttsCharacters(registry, agent);
            for (io.openrtc.voice.TurnDropReason reason : io.openrtc.voice.TurnDropReason.values()) {
                droppedTurns(registry, agent, reason.tag());
            }
            stateRepairs(registry, agent);
        }
        registries.add(registry);
    }

    /** Turns one voice measurement into timings and counts, in every registry bound. */
    void record(OpenRtcEvent event) {
        if (!(event instanceof OpenRtcEvent.VoiceMeasured measured)) {
            return;
        }
        String agent = measured.session().agentName();
        for (MeterRegistry registry : registries) {
            switch (measured.metric()) {
                case VoiceMetric.Turn turn -> {
                    turns(registry, agent, turn.typed() ? "text" : "speech").increment();
                    time(registry, Step.END_OF_UTTERANCE, agent, turn.endOfUtterance());
                    time(registry, Step.STT, agent, turn.transcription());
                    time(registry, Step.LLM_FIRST_TOKEN, agent, turn.llmFirstToken());
                    time(registry, Step.TTS_FIRST_BYTE, agent, turn.ttsFirstByte());
                    time(registry, Step.RESPONSE, agent, turn.response());
                    time(registry, Step.FRAMEWORK, agent, turn.framework());
                    tokens(registry, agent, "prompt").increment(turn.promptTokens());
                    tokens(registry, agent, "completion").increment(turn.completionTokens());
                    ttsCharacters(registry, agent).increment(turn.ttsCharacters());
                    if (turn.sttAudio() != null) {
                        sttAudio(registry, agent).increment(turn.sttAudio().toNanos() / 1e9);
                    }
                }
                case VoiceMetric.Interruption interruption -> interruptions(registry, agent, interruption.real()).increment();
                case VoiceMetric.ToolCall call -> Counter.builder("openrtc.voice.tool.calls")
                        .description("Tools the language model called, by tool and outcome (ok, failed)")
                        .tag("agent", agent).tag("tool", call.tool()).tag("outcome", call.failed() ? "failed" : "ok")
                        .register(registry).increment();
                case VoiceMetric.ProviderError error -> Counter.builder("openrtc.voice.provider.errors")
                        .description("Provider failures, by provider and step (stt, llm, tts)")
                        .tag("agent", agent).tag("provider", error.provider())
                        .tag("step", error.step().toLowerCase(Locale.ROOT)).register(registry).increment();
                case VoiceMetric.TurnDropped dropped -> droppedTurns(registry, agent, dropped.reason()).increment();
                case VoiceMetric.StateRepaired repaired -> stateRepairs(registry, agent).increment();
            }
        }
    }

    private static void time(MeterRegistry registry, Step step, String agent, Duration value) {
        if (value != null && !value.isNegative()) {
            timer(registry, step, agent).record(value);
        }
    }

    private static Timer timer(MeterRegistry registry, Step step, String agent) {
        return Timer.builder(step.meter).description(step.description).tag("agent", agent)
                .serviceLevelObjectives(BUCKETS).register(registry);
    }

    private static Counter turns(MeterRegistry registry, String agent, String source) {
        return Counter.builder("openrtc.voice.turns").description("Turns answered, by how they came in (speech, text)")
                .tag("agent", agent).tag("source", source).register(registry);
    }

    private static Counter interruptions(MeterRegistry registry, String agent, boolean real) {
        return Counter.builder("openrtc.voice.interruptions")
                .description("The user stopping the agent (kind=real), or speech that paused it and brought no words (kind=false)")
                .tag("agent", agent).tag("kind", real ? "real" : "false").register(registry);
    }

    private static Counter tokens(MeterRegistry registry, String agent, String kind) {
        return Counter.builder("openrtc.voice.llm.tokens").description("Language model tokens, by kind (prompt, completion)")
                .tag("agent", agent).tag("kind", kind).register(registry);
    }

    private static Counter sttAudio(MeterRegistry registry, String agent) {
        return Counter.builder("openrtc.voice.stt.audio").baseUnit("seconds")
                .description("Seconds of audio sent to speech-to-text").tag("agent", agent).register(registry);
    }

    private static Counter droppedTurns(MeterRegistry registry, String agent, String reason) {
        return Counter.builder("openrtc.voice.turns.dropped")
                .description("User words that got no answer, by reason (backchannel, superseded, provider_failed, ...)")
                .tag("agent", agent).tag("reason", reason).register(registry);
    }

    private static Counter stateRepairs(MeterRegistry registry, String agent) {
        return Counter.builder("openrtc.voice.state.repairs")
                .description("Times the agent's state said speaking while no audio left for 500 ms, and was repaired")
                .tag("agent", agent).register(registry);
    }

    private static Counter ttsCharacters(MeterRegistry registry, String agent) {
        return Counter.builder("openrtc.voice.tts.characters").description("Characters sent to text-to-speech")
                .tag("agent", agent).register(registry);
    }
}
