package io.openrtc.spring.ai;

import io.openrtc.observe.OpenRtcEvent;
import java.util.List;

/** What the voice tests read from the events a pool reported. */
final class PoolEvents {

    private PoolEvents() {
    }

    /** The job the pool accepted for {@code room}, or null while there is none. */
    static OpenRtcEvent.JobAccepted accepted(List<OpenRtcEvent> events, String room) {
        return events.stream().filter(OpenRtcEvent.JobAccepted.class::isInstance).map(OpenRtcEvent.JobAccepted.class::cast)
                .filter(a -> a.job().roomName().equals(room)).findFirst().orElse(null);
    }

    /** Sessions that ended, for whatever reason. */
    static List<OpenRtcEvent.SessionEnded> ended(List<OpenRtcEvent> events) {
        return events.stream().filter(OpenRtcEvent.SessionEnded.class::isInstance).map(OpenRtcEvent.SessionEnded.class::cast)
                .toList();
    }
}
