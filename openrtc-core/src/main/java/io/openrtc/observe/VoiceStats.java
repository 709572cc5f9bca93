package io.openrtc.observe;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps each agent's voice figures ({@link AgentVoiceSnapshot}) from the pool's
 * {@link OpenRtcEvent.VoiceMeasured} events: counts, running means of the turn timings, the last
 * turn. Thread-safe.
 */
public final class VoiceStats implements OpenRtcListener {

    private final Map<String, Agent> byAgent = new LinkedHashMap<>();

    @Override
    public void onEvent(OpenRtcEvent event) {
        if (event instanceof OpenRtcEvent.VoiceMeasured measured) {
            record(measured.session().agentName(), measured.metric());
        }
    }

    /** Adds one metric of {@code agent}. */
    public synchronized void record(String agent, VoiceMetric metric) {
        Agent stats = byAgent.computeIfAbsent(agent, a -> new Agent());
        switch (metric) {
            case VoiceMetric.Turn turn -> stats.turn(turn);
            case VoiceMetric.Interruption interruption -> {
                if (interruption.real()) {
                    stats.interruptions++;
                } else {
                    stats.falseInterruptions++;
                }
            }
            case VoiceMetric.ToolCall call -> {
                stats.toolCalls++;
                if (call.failed()) {
                    stats.toolFailures++;
                }
            }
            case VoiceMetric.ProviderError error -> stats.providerErrors++;
            case VoiceMetric.TurnDropped dropped -> stats.droppedTurns++;
            case VoiceMetric.StateRepaired repaired -> stats.stateRepairs++;
        }
    }

    /** Every agent's figures so far, by agent name. */
    public synchronized Map<String, AgentVoiceSnapshot> snapshot() {
        Map<String, AgentVoiceSnapshot> snapshot = new LinkedHashMap<>();
        byAgent.forEach((agent, stats) -> snapshot.put(agent, stats.snapshot()));
        return snapshot;
    }

    private static final class Agent {
        long turns;
        long interruptions;
        long falseInterruptions;
        long toolCalls;
        long toolFailures;
        long providerErrors;
        long droppedTurns;
        long stateRepairs;
        final Mean response = new Mean();
        final Mean transcription = new Mean();
        final Mean llm = new Mean();
        final Mean tts = new Mean();
        final Mean framework = new Mean();
        VoiceMetric.Turn last;

        void turn(VoiceMetric.Turn turn) {
            turns++;
            response.add(turn.response());
            transcription.add(turn.transcription());
            llm.add(turn.llmFirstToken());
            tts.add(turn.ttsFirstByte());
            framework.add(turn.framework());
            last = turn;
        }

        AgentVoiceSnapshot snapshot() {
            return new AgentVoiceSnapshot(turns, interruptions, falseInterruptions, toolCalls, toolFailures, providerErrors,
                    droppedTurns, stateRepairs, response.value(), transcription.value(), llm.value(), tts.value(), framework.value(), last);
        }
    }

    private static final class Mean {
        long count;
        long totalNanos;

        void add(Duration value) {
            if (value != null) {
                count++;
                totalNanos += value.toNanos();
            }
        }

        Duration value() {
            return count == 0 ? null : Duration.ofNanos(totalNanos / count);
        }
    }
}
