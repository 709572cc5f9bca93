package io.openrtc.pool;

import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects every event it is given, for assertions. */
final class EventRecorder implements OpenRtcListener {

    private final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(OpenRtcEvent event) {
        events.add(event);
    }

    List<OpenRtcEvent> all() {
        return List.copyOf(events);
    }

    <T extends OpenRtcEvent> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The simple names of the events about {@code jobId}, in order. */
    List<String> forJob(String jobId) {
        return events.stream().filter(e -> switch (e) {
            case OpenRtcEvent.SessionStarted s -> s.session().jobId().equals(jobId);
            case OpenRtcEvent.SessionRunning r -> r.session().jobId().equals(jobId);
            case OpenRtcEvent.SessionEnded d -> d.session().jobId().equals(jobId);
            default -> false;
        }).map(e -> e.getClass().getSimpleName()).toList();
    }
}
