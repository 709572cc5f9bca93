package io.openrtc.voice;

import io.openrtc.rtc.AgentState;
import io.openrtc.rtc.LocalAudioTrack;
import io.openrtc.rtc.Room;
import io.openrtc.rtc.RoomEvent;
import io.openrtc.rtc.RoomException;
import io.openrtc.voice.stt.StreamingSpeechToText;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Voice} of one session: it wires the audio input (VAD), the turn assembly
 * (speech-to-text, endpointing), the playout (text-to-speech) and the state reporter together,
 * and decides the state LiveKit's front ends see from what each of them is doing.
 *
 * <p>State: {@code speaking} while the agent's audio is being sent; {@code thinking} while speech
 * is queued but not yet audible, or after {@link #listen()} handed over a turn and before the
 * agent answers or listens again; {@code listening} otherwise.
 */
public final class VoiceSession implements Voice, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VoiceSession.class);

    private final Room room;
    private final VoiceOptions options;
    private final VoiceProviders providers;
    private final String label;
    private final Runnable endSession;
    private final VoiceEvents events;
    private final AgentStateReporter state;
    private final UserTurns turns;
    private final AudioInput input;
    private final SpeechPlayout playout;
    private final AutoCloseable roomListener;
    private volatile boolean thinking;
    private volatile boolean closed;

    private VoiceSession(Room room, String dispatchedIdentity, VoiceOptions options, VoiceProviders providers,
            VoiceRuntime runtime, String label, Runnable endSession) throws RoomException, InterruptedException {
        this.room = room;
        this.options = options;
        this.providers = providers;
        this.label = label;
        this.endSession = endSession;
        this.events = new VoiceEvents(label);
        this.state = new AgentStateReporter(room, label, events::publish);
        LocalAudioTrack track = providers.tts() == null ? null : room.publishAudio(options.trackName());
        this.turns = new UserTurns(room, providers.stt(), options, runtime.timers(), events::publish, this::providerFailed,
                this::updateState, label);
        StreamingSpeechToText streaming = providers.stt() instanceof StreamingSpeechToText s ? s : null;
        this.input = new AudioInput(room, dispatchedIdentity, options, runtime.vadModel(), turns, streaming, events::publish,
                this::providerFailed, label);
        this.playout = track == null ? null
                : new SpeechPlayout(room, track, providers.tts(), options, events::publish, this::providerFailed,
                        this::updateState, label);
        this.roomListener = room.addListener(this::onRoomEvent);
    }

    /**
     * Starts a session's voice: publishes its audio track (when it can speak), starts listening
     * (when it can hear) and shows {@code listening}.
     *
     * @param room               the session's joined room
     * @param dispatchedIdentity the participant the job names, or empty: then the first standard
     *                           participant is listened to
     * @param endSession         ends the session (when the linked participant leaves, or by the
     *                           provider error policy)
     * @throws RoomException when the audio track cannot be published
     */
    public static VoiceSession start(Room room, String dispatchedIdentity, VoiceOptions options, VoiceProviders providers,
            VoiceRuntime runtime, String label, Runnable endSession) throws RoomException, InterruptedException {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(providers, "providers");
        Objects.requireNonNull(runtime, "runtime");
        VoiceSession voice = new VoiceSession(room, dispatchedIdentity, options, providers, runtime, label, endSession);
        if (providers.stt() != null) {
            voice.input.start();
        }
        voice.updateState();
        return voice;
    }

    @Override
    public SpeechHandle sayAsync(String text, boolean allowInterruptions) {
        Objects.requireNonNull(text, "text");
        if (playout == null) {
            throw new IllegalStateException("The voice of " + label + " has no text-to-speech provider, so it cannot say anything: "
                    + "give the agent one (a Spring AI TextToSpeechModel bean, openrtc.agents.<name>.tts, or VoiceProviders)");
        }
        thinking = false;
        return playout.enqueue(text, allowInterruptions);
    }

    @Override
    public UserTurn listen() throws InterruptedException {
        return awaitTurn(null).orElseThrow();
    }

    @Override
    public Optional<UserTurn> listen(Duration timeout) throws InterruptedException {
        return awaitTurn(Objects.requireNonNull(timeout, "timeout"));
    }

    /** The next turn, waiting at most {@code timeout}, or forever when it is null. */
    private Optional<UserTurn> awaitTurn(Duration timeout) throws InterruptedException {
        if (providers.stt() == null) {
            throw new IllegalStateException("The voice of " + label + " has no speech-to-text provider, so it cannot listen: "
                    + "give the agent one (a Spring AI TranscriptionModel bean, openrtc.agents.<name>.stt, or VoiceProviders)");
        }
        thinking = false;
        updateState();
        Optional<UserTurn> turn = turns.next(timeout);
        if (turn.isPresent()) {
            // The agent has the turn now: until it speaks or listens again, it is thinking.
            thinking = true;
            updateState();
        }
        return turn;
    }

    @Override
    public void interrupt() {
        if (playout != null) {
            playout.interruptAll();
        }
    }

    @Override
    public boolean isSpeaking() {
        return playout != null && playout.isAudible();
    }

    @Override
    public AgentState state() {
        return state.current();
    }

    @Override
    public Optional<String> linkedParticipant() {
        return input.linkedParticipant();
    }

    @Override
    public void linkParticipant(String identity) {
        input.link(identity);
    }

    @Override
    public AutoCloseable addListener(VoiceListener listener) {
        return events.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public VoiceOptions options() {
        return options;
    }

    /** Stops listening and speaking; idempotent. The room itself is left to the session. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            roomListener.close();
        } catch (Exception e) {
            log.debug("Removing the room listener failed", e);
        }
        input.close();
        turns.close();
        if (playout != null) {
            playout.close();
        }
        state.close();
        events.close();
    }

    private void updateState() {
        if (closed) {
            return;
        }
        AgentState next;
        if (playout != null && playout.isAudible()) {
            next = AgentState.SPEAKING;
        } else if (thinking || (playout != null && playout.isBusy())) {
            next = AgentState.THINKING;
        } else {
            next = AgentState.LISTENING;
        }
        state.set(next);
    }

    private void providerFailed(VoiceProviderException error) {
        events.publish(new VoiceEvent.ProviderFailed(Instant.now(), error.provider(), error.step(), error.getMessage()));
        if (options.providerErrors() == VoiceOptions.ProviderErrorPolicy.END_SESSION) {
            log.warn("Voice of {}: ending the session after a provider failure (openrtc.voice.provider-errors=end-session)", label);
            endSession.run();
        }
    }

    private void onRoomEvent(RoomEvent event) {
        if (event instanceof RoomEvent.ParticipantLeft left && options.closeOnParticipantLeft()
                && input.linkedParticipant().map(left.participant().identity()::equals).orElse(false)) {
            log.info("Voice of {}: {} left; ending the session", label, left.participant().identity());
            endSession.run();
        }
    }
}
