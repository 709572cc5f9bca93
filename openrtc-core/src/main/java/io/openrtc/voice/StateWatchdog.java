package io.openrtc.voice;

import io.openrtc.rtc.AgentState;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps the first invariant of a voice session: {@code speaking} only while agent audio leaves.
 * The playout already turns a speech that stopped sending frames into "not audible" after
 * {@link SpeechPlayout#AUDIBLE_GAP}; this is the safety net for when the playout itself is stuck
 * (its thread blocked, a counter that lies). Speaking with no frame for {@link #LIMIT}, the
 * state is repaired: the stuck speech stops and the state is recomputed, with a
 * {@link VoiceEvent.StateRepaired} event (counted by {@code openrtc.voice.state.repairs}: any
 * value above zero is a bug worth reporting).
 */
final class StateWatchdog implements AutoCloseable {

    /** Speaking without audio for longer than this is a stuck state. */
    static final Duration LIMIT = Duration.ofMillis(500);
    private static final Duration EVERY = Duration.ofMillis(100);

    private final Supplier<AgentState> state;
    private final SpeechPlayout playout;
    private final Consumer<VoiceEvent> events;
    private final ScheduledFuture<?> task;

    StateWatchdog(Supplier<AgentState> state, SpeechPlayout playout, ScheduledExecutorService timers,
            Consumer<VoiceEvent> events) {
        this.state = state;
        this.playout = playout;
        this.events = events;
        this.task = timers.scheduleWithFixedDelay(this::check, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    void check() {
        if (state.get() != AgentState.SPEAKING) {
            return;
        }
        Duration silent = playout.silentFor();
        if (silent.compareTo(LIMIT) > 0) {
            playout.repairSilence();
            events.accept(new VoiceEvent.StateRepaired(Instant.now(), AgentState.SPEAKING, silent));
        }
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
