package io.openrtc.routing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.JobInfo;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Routes by a JSON object in job or room metadata: the key {@code agent}, else {@code demo}
 * (the keys OpenRTC-Python reads). Metadata that is blank, not JSON, or not a JSON object, and
 * keys whose value is not a non-blank string, say nothing: the chain goes on. A string naming an
 * agent that is not registered is an {@link RouteDecision.UnknownAgent}: the job is declined,
 * never served by a fallback.
 */
public final class MetadataRouting implements RoutingStrategy {

    /** The keys read, in order of precedence. */
    public static final List<String> KEYS = List.of("agent", "demo");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Function<JobInfo, String> metadata;
    private final RouteSignal signal;

    private MetadataRouting(Function<JobInfo, String> metadata, RouteSignal signal) {
        this.metadata = metadata;
        this.signal = signal;
    }

    /** Reads the job's dispatch metadata. */
    public static MetadataRouting jobMetadata() {
        return new MetadataRouting(JobInfo::jobMetadata, RouteSignal.JOB_METADATA);
    }

    /** Reads the room's metadata. */
    public static MetadataRouting roomMetadata() {
        return new MetadataRouting(JobInfo::roomMetadata, RouteSignal.ROOM_METADATA);
    }

    @Override
    public RouteDecision route(JobInfo job, AgentRegistry agents) {
        return requestedAgent(metadata.apply(job))
                .<RouteDecision>map(name -> agents.contains(name)
                        ? new RouteDecision.Matched(name, signal)
                        : new RouteDecision.UnknownAgent(name, signal))
                .orElse(RouteDecision.NO_MATCH);
    }

    /** The agent a metadata string asks for, if it asks for one. */
    static Optional<String> requestedAgent(String metadata) {
        if (metadata == null || metadata.isBlank()) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = JSON.readTree(metadata);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
        if (root == null || !root.isObject()) {
            return Optional.empty();
        }
        for (String key : KEYS) {
            JsonNode value = root.get(key);
            if (value != null && value.isTextual() && !value.asText().isBlank()) {
                return Optional.of(value.asText().strip());
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "MetadataRouting[" + signal + "]";
    }
}
