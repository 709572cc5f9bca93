package io.openrtc.rtc;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;
import dev.onvoid.webrtc.RTCIceCandidate;
import java.io.IOException;

/**
 * ICE candidates as LiveKit's trickle messages carry them: the JSON of a browser's
 * {@code RTCIceCandidateInit} ({@code candidate}, {@code sdpMid}, {@code sdpMLineIndex}).
 */
final class IceCandidates {

    private static final ObjectMapper JSON = new ObjectMapper();

    private IceCandidates() {
    }

    static String toJson(RTCIceCandidate candidate) {
        ObjectNode node = JSON.createObjectNode();
        node.put("candidate", candidate.sdp);
        if (candidate.sdpMid != null) {
            node.put("sdpMid", candidate.sdpMid);
        }
        node.put("sdpMLineIndex", candidate.sdpMLineIndex);
        return node.toString();
    }

    /**
     * Parses a remote candidate. Values may be null; a missing {@code sdpMid} is left to webrtc,
     * which then goes by the m-line index (default 0).
     *
     * @throws IOException when the JSON has no {@code candidate}
     */
    static RTCIceCandidate fromJson(String json) throws IOException {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JacksonException e) { // unchecked in Jackson 3
            throw new IOException("unreadable trickle JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode candidate = node == null ? null : node.get("candidate");
        if (candidate == null || candidate.isNull()) {
            throw new IOException("no 'candidate' in trickle JSON");
        }
        JsonNode mid = node.get("sdpMid");
        JsonNode index = node.get("sdpMLineIndex");
        String sdpMid = mid == null || mid.isNull() || mid.asString().isEmpty() ? null : mid.asString();
        int lineIndex = index == null || index.isNull() ? 0 : index.asInt();
        if (sdpMid == null) {
            sdpMid = Integer.toString(lineIndex);
        }
        return new RTCIceCandidate(sdpMid, lineIndex, candidate.asString());
    }
}
