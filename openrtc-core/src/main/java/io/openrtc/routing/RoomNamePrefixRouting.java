package io.openrtc.routing;

import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.JobInfo;

/**
 * Routes a room named {@code <agent>-<anything>} to that agent ({@code dental-7} goes to
 * {@code dental}). When several names fit ({@code dental} and {@code dental-office} for
 * {@code dental-office-3}), the longest wins. A prefix that names no agent says nothing: room
 * names are not requests, so they never cause a decline.
 */
public final class RoomNamePrefixRouting implements RoutingStrategy {

    @Override
    public RouteDecision route(JobInfo job, AgentRegistry agents) {
        String room = job.roomName();
        String best = null;
        for (String name : agents.names()) {
            if (room.startsWith(name + "-") && (best == null || name.length() > best.length())) {
                best = name;
            }
        }
        return best == null ? RouteDecision.NO_MATCH : new RouteDecision.Matched(best, RouteSignal.ROOM_NAME_PREFIX);
    }

    @Override
    public String toString() {
        return "RoomNamePrefixRouting";
    }
}
