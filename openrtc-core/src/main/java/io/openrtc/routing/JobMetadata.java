package io.openrtc.routing;

import io.openrtc.agent.JobInfo;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads a string field of job or room metadata ({@link JobInfo#jobMetadata()},
 * {@link JobInfo#roomMetadata()}): a JSON object such as {@code {"agent": "dental", "tenant":
 * "acme"}}. What routing reads (the agent) and what the default tenant resolver reads (the tenant)
 * are read the same way, and never throw: metadata that is blank says nothing; metadata that is
 * not JSON, not a JSON object, or whose key holds something other than a non-blank string says
 * nothing either, with a problem that tells what was wrong.
 */
public final class JobMetadata {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JobMetadata() {
    }

    /**
     * What a metadata string says under some key: a value, nothing, or a problem (never both a
     * value and a problem).
     *
     * @param value    the stripped, non-blank string found
     * @param problem  what was wrong, in words that follow "it is", e.g. {@code not JSON (...)}
     * @param document whether the problem is with the document itself (not JSON, not an object),
     *                 rather than with the key: every reader of the same metadata sees that one
     */
    public record Field(Optional<String> value, Optional<String> problem, boolean document) {

        /** Nothing said, nothing wrong. */
        public static final Field NOTHING = new Field(Optional.empty(), Optional.empty(), false);

        public Field {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(problem, "problem");
            if (value.isPresent() && problem.isPresent()) {
                throw new IllegalArgumentException("a field has a value or a problem, not both");
            }
        }

        static Field of(String value) {
            return new Field(Optional.of(value), Optional.empty(), false);
        }

        static Field invalid(String problem, boolean document) {
            return new Field(Optional.empty(), Optional.of(problem), document);
        }
    }

    /**
     * The first of {@code keys} that holds a non-blank string in {@code metadata}. A key that is
     * absent or JSON {@code null} is skipped; one that holds anything else is a problem (reported
     * unless a later key holds a string).
     *
     * @param what what the value should be, for the problem's words: {@code "an agent's name"}
     */
    public static Field read(String metadata, List<String> keys, String what) {
        if (metadata == null || metadata.isBlank()) {
            return Field.NOTHING;
        }
        JsonNode root;
        try {
            root = JSON.readTree(metadata);
        } catch (JacksonException e) {
            return Field.invalid("not JSON (" + e.getOriginalMessage() + ")", true);
        } catch (RuntimeException e) { // whatever the parser throws, a dispatcher's string must not break an offer
            return Field.invalid("not JSON (" + e + ")", true);
        }
        if (root == null || !root.isObject()) {
            return Field.invalid(root == null ? "empty JSON" : "a JSON " + typeOf(root) + ", not an object", true);
        }
        String problem = null;
        for (String key : keys) {
            JsonNode value = root.get(key);
            if (value == null || value.isNull()) {
                continue;
            }
            if (value.isString() && !value.asString().isBlank()) {
                return Field.of(value.asString().strip());
            }
            if (problem == null) {
                problem = "an object whose '" + key + "' is " + (value.isString() ? "a blank string" : "a " + typeOf(value))
                        + ", not " + what;
            }
        }
        return problem == null ? Field.NOTHING : Field.invalid(problem, false);
    }

    private static String typeOf(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
