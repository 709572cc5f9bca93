package io.openrtc.voice;

/** Receives a session's {@link VoiceEvent}s. Must not block for long: later events wait. */
@FunctionalInterface
public interface VoiceListener {

    /** One event; an exception thrown here is logged and the next listener still runs. */
    void onEvent(VoiceEvent event);
}
