package io.openrtc.pool;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import io.openrtc.observe.VoiceMetric;
import java.io.IOException;
import java.time.Duration;

/** {@link VoiceMetric}s as JSON, for a child JVM's {@link HostMessage.Measured}; durations in nanoseconds, -1 for none. */
final class VoiceMetricCodec {

    private VoiceMetricCodec() {
    }

    static void write(ObjectNode node, VoiceMetric metric) {
        switch (metric) {
            case VoiceMetric.Turn t -> {
                node.put("kind", "turn").put("typed", t.typed()).put("interrupted", t.interrupted())
                        .put("promptTokens", t.promptTokens()).put("completionTokens", t.completionTokens())
                        .put("ttsCharacters", t.ttsCharacters());
                nanos(node, "endOfUtterance", t.endOfUtterance());
                nanos(node, "transcription", t.transcription());
                nanos(node, "llmFirstToken", t.llmFirstToken());
                nanos(node, "ttsFirstByte", t.ttsFirstByte());
                nanos(node, "response", t.response());
                nanos(node, "framework", t.framework());
                nanos(node, "sttAudio", t.sttAudio());
            }
            case VoiceMetric.Interruption i -> node.put("kind", "interruption").put("real", i.real());
            case VoiceMetric.ToolCall c -> {
                node.put("kind", "tool").put("tool", c.tool()).put("failed", c.failed());
                nanos(node, "took", c.took());
            }
            case VoiceMetric.ProviderError e -> node.put("kind", "providerError").put("provider", e.provider())
                    .put("step", e.step());
            case VoiceMetric.TurnDropped d -> node.put("kind", "turnDropped").put("reason", d.reason());
            case VoiceMetric.StateRepaired r -> {
                node.put("kind", "stateRepaired").put("from", r.from());
                nanos(node, "silentFor", r.silentFor());
            }
        }
    }

    static VoiceMetric read(JsonNode node) throws IOException {
        String kind = node.path("kind").asString();
        return switch (kind) {
            case "turn" -> new VoiceMetric.Turn(node.path("typed").asBoolean(), nanos(node, "endOfUtterance"),
                    nanos(node, "transcription"), nanos(node, "llmFirstToken"), nanos(node, "ttsFirstByte"),
                    nanos(node, "response"), nanos(node, "framework"), node.path("interrupted").asBoolean(),
                    node.path("promptTokens").asLong(), node.path("completionTokens").asLong(),
                    node.path("ttsCharacters").asLong(), nanos(node, "sttAudio"));
            case "interruption" -> new VoiceMetric.Interruption(node.path("real").asBoolean());
            case "tool" -> new VoiceMetric.ToolCall(node.path("tool").asString(), node.path("failed").asBoolean(),
                    nanos(node, "took"));
            case "providerError" -> new VoiceMetric.ProviderError(node.path("provider").asString(), node.path("step").asString());
            case "turnDropped" -> new VoiceMetric.TurnDropped(node.path("reason").asString());
            case "stateRepaired" -> new VoiceMetric.StateRepaired(node.path("from").asString(), nanos(node, "silentFor"));
            default -> throw new IOException("Unknown voice metric kind '" + kind + "'");
        };
    }

    private static void nanos(ObjectNode node, String field, Duration value) {
        node.put(field, value == null ? -1 : value.toNanos());
    }

    private static Duration nanos(JsonNode node, String field) {
        long value = node.path(field).asLong(-1);
        return value < 0 ? null : Duration.ofNanos(value);
    }
}
