package io.openrtc.worker;

import java.util.Map;
import java.util.Objects;

/**
 * The agent participant LiveKit will mint the job token for.
 *
 * @param identity   must be non-empty and unique in the room; by default {@code agent-<jobId>}
 * @param name       display name
 * @param metadata   participant metadata
 * @param attributes participant attributes
 */
public record ParticipantSpec(String identity, String name, String metadata, Map<String, String> attributes) {

    public ParticipantSpec {
        if (identity == null || identity.isBlank()) {
            throw new IllegalArgumentException("participant identity must not be empty (LiveKit rejects the join)");
        }
        name = Objects.requireNonNullElse(name, "");
        metadata = Objects.requireNonNullElse(metadata, "");
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /** The default: identity {@code agent-<jobId>}, display name {@code displayName}. */
    public static ParticipantSpec forJob(String jobId, String displayName) {
        return new ParticipantSpec("agent-" + jobId, displayName, "", Map.of());
    }
}
