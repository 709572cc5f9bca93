package io.openrtc.worker;

import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test helper: keeps every event it receives. */
final class RecordingListener implements OpenRtcListener {

    final List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(OpenRtcEvent event) {
        events.add(event);
    }

    <T extends OpenRtcEvent> List<T> all(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    long acceptsForRoom(String room) {
        return all(OpenRtcEvent.JobAccepted.class).stream().filter(e -> e.job().roomName().equals(room)).count();
    }
}
