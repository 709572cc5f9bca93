package io.openrtc.pool;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import io.openrtc.agent.JobInfo;
import io.openrtc.agent.JobType;
import io.openrtc.tenant.Tenants;
import io.openrtc.worker.JobAssignment;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes {@link HostMessage}s as JSON objects with a {@code type} field. Written out field by
 * field rather than bound by reflection, so the wire format is visible here and stays stable
 * when the records grow.
 */
final class HostProtocol {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HostProtocol() {
    }

    static byte[] encode(HostMessage message) {
        ObjectNode node = JSON.createObjectNode();
        switch (message) {
            case HostMessage.Ready ready -> node.put("type", "ready").put("pid", ready.pid());
            case HostMessage.Job job -> {
                node.put("type", "job");
                writeRequest(node.putObject("request"), job.request());
            }
            case HostMessage.Running running -> node.put("type", "running");
            case HostMessage.Measured measured -> VoiceMetricCodec.write(node.put("type", "measured").putObject("metric"),
                    measured.metric());
            case HostMessage.Cancel cancel -> node.put("type", "cancel").put("reason", cancel.reason());
            case HostMessage.Succeeded succeeded -> node.put("type", "succeeded");
            case HostMessage.Failed failed -> {
                node.put("type", "failed").put("source", failed.source().name());
                writeFailure(node.putObject("failure"), failed.failure());
            }
            case HostMessage.Cancelled cancelled -> node.put("type", "cancelled").put("reason", cancelled.reason());
        }
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JacksonException e) {
            throw new IllegalStateException("Encoding " + message.getClass().getSimpleName() + " failed", e);
        }
    }

    /**
     * Reads one message.
     *
     * @throws IOException for anything that is not a whole, well-formed message (a child that
     *                     died mid-write, a library printing into the channel), saying what was wrong
     */
    static HostMessage decode(byte[] bytes) throws IOException {
        try {
            return read(bytes);
        } catch (RuntimeException e) {
            // Jackson 3 throws unchecked exceptions; and a field of the wrong shape (a date, a URI, an
            // enum, a missing object) is as unreadable as bad JSON.
            throw new IOException("Unreadable session-host message: " + e, e);
        }
    }

    private static HostMessage read(byte[] bytes) throws IOException {
        JsonNode node = JSON.readTree(bytes);
        if (node == null || !node.isObject()) {
            throw new IOException("Unreadable session-host message: not a JSON object");
        }
        String type = text(node, "type");
        return switch (type) {
            case "ready" -> new HostMessage.Ready(node.path("pid").asLong());
            case "job" -> new HostMessage.Job(readRequest(node.path("request")));
            case "running" -> new HostMessage.Running();
            case "measured" -> new HostMessage.Measured(VoiceMetricCodec.read(node.path("metric")));
            case "cancel" -> new HostMessage.Cancel(text(node, "reason"));
            case "succeeded" -> new HostMessage.Succeeded();
            case "failed" -> new HostMessage.Failed(readFailure(node.path("failure")), readSource(node));
            case "cancelled" -> new HostMessage.Cancelled(text(node, "reason"));
            default -> throw new IOException("Unknown session-host message type '" + type + "'");
        };
    }

    private static void writeRequest(ObjectNode node, SessionRequest request) {
        JobAssignment assignment = request.assignment();
        JobInfo job = assignment.job();
        node.put("agentName", request.agentName());
        node.put("tenant", request.tenant());
        node.put("offeredAt", request.offeredAt().toString());
        node.put("serverUrl", assignment.serverUrl().toString());
        node.put("token", assignment.token());
        node.put("participantIdentity", assignment.participantIdentity());
        ObjectNode j = node.putObject("job");
        j.put("jobId", job.jobId());
        j.put("dispatchId", job.dispatchId());
        j.put("type", job.type().name());
        j.put("dispatchAgentName", job.dispatchAgentName());
        j.put("jobMetadata", job.jobMetadata());
        j.put("roomName", job.roomName());
        j.put("roomSid", job.roomSid());
        j.put("roomMetadata", job.roomMetadata());
        j.put("participantIdentity", job.participantIdentity());
        ObjectNode attributes = j.putObject("participantAttributes");
        job.participantAttributes().forEach(attributes::put);
    }

    private static SessionRequest readRequest(JsonNode node) throws IOException {
        JsonNode j = node.path("job");
        Map<String, String> attributes = new LinkedHashMap<>();
        j.path("participantAttributes").properties().forEach(e -> attributes.put(e.getKey(), e.getValue().asString()));
        JobInfo job = new JobInfo(text(j, "jobId"), text(j, "dispatchId"), JobType.valueOf(text(j, "type")),
                text(j, "dispatchAgentName"), text(j, "jobMetadata"), text(j, "roomName"), text(j, "roomSid"),
                text(j, "roomMetadata"), text(j, "participantIdentity"), attributes);
        JobAssignment assignment = new JobAssignment(job, URI.create(text(node, "serverUrl")), text(node, "token"),
                text(node, "participantIdentity"));
        // A parent without tenants sends none: the default tenant.
        String tenant = node.path("tenant").isString() ? node.path("tenant").asString() : Tenants.DEFAULT;
        return new SessionRequest(assignment, text(node, "agentName"), Instant.parse(text(node, "offeredAt")), tenant);
    }

    private static void writeFailure(ObjectNode node, HostMessage.Failure failure) {
        node.put("type", failure.type());
        putIfPresent(node, "message", failure.message());
        ArrayNode stack = node.putArray("stack");
        for (StackTraceElement e : failure.stack()) {
            ObjectNode frame = stack.addObject();
            putIfPresent(frame, "loader", e.getClassLoaderName());
            putIfPresent(frame, "module", e.getModuleName());
            putIfPresent(frame, "moduleVersion", e.getModuleVersion());
            frame.put("class", e.getClassName());
            frame.put("method", e.getMethodName());
            putIfPresent(frame, "file", e.getFileName());
            frame.put("line", e.getLineNumber());
        }
        if (failure.cause() != null) {
            writeFailure(node.putObject("cause"), failure.cause());
        }
    }

    /** Whose fault a failure was; a message without one (an older child) counts as the agent's. */
    private static FailureSource readSource(JsonNode node) throws IOException {
        String source = node.path("source").asString("");
        if (source.isEmpty()) {
            return FailureSource.AGENT;
        }
        try {
            return FailureSource.valueOf(source);
        } catch (IllegalArgumentException e) {
            throw new IOException("Unknown failure source '" + source + "' from the session host");
        }
    }

    private static HostMessage.Failure readFailure(JsonNode node) throws IOException {
        List<StackTraceElement> stack = new ArrayList<>();
        for (JsonNode frame : node.path("stack")) {
            stack.add(new StackTraceElement(optional(frame, "loader"), optional(frame, "module"),
                    optional(frame, "moduleVersion"), frame.path("class").asString(), frame.path("method").asString(),
                    optional(frame, "file"), frame.path("line").asInt()));
        }
        HostMessage.Failure cause = node.hasNonNull("cause") ? readFailure(node.get("cause")) : null;
        return new HostMessage.Failure(text(node, "type"), optional(node, "message"), stack, cause);
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static String optional(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asString() : null;
    }

    private static String text(JsonNode node, String field) throws IOException {
        JsonNode value = node.get(field);
        if (value == null || !value.isString()) {
            throw new IOException("Session-host message lacks the text field '" + field + "'");
        }
        return value.asString();
    }
}
