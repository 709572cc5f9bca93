package io.openrtc.voice;

import io.openrtc.agent.AgentSession;
import io.openrtc.rtc.AgentState;
import io.openrtc.rtc.LocalAudioTrack;
import io.openrtc.rtc.Room;
import io.openrtc.rtc.RoomEvent;
import io.openrtc.rtc.RoomException;
import io.openrtc.voice.llm.ChatItem;
import io.openrtc.voice.stt.StreamingSpeechToText;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Voice} of one session: it wires the audio input (VAD), the turn assembly
 * (speech-to-text, endpointing), the playout (text-to-speech), barge-in, the conversation with
 * the language model and the state reporter together, and decides the state LiveKit's front ends
 * see from what each of them is doing.
 *
 * <p>State: {@code speaking} while the agent's audio is being sent; {@code listening} while a
 * speech is paused because the user may be interrupting; {@code thinking} while a reply or a
 * speech is under way but not audible, or after {@link #listen()} handed over a turn and before
 * the agent answers or listens again; {@code listening} otherwise.
 */
public final class VoiceSession implements Voice, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VoiceSession.class);

    private final AgentSession session;
    private final Room room;
    private final VoiceOptions options;
    private final VoiceProviders providers;
    private final VoiceRuntime runtime;
    private final Function<VoiceAgent, ActiveAgent> describe;
    private final ActiveAgent.Resolver handoffs;
    private final java.util.function.Consumer<io.openrtc.observe.VoiceMetric> metrics;
    private final String label;
    private final VoiceEvents events;
    private final AgentStateReporter state;
    private final UserTurns turns;
    private final AudioInput input;
    private final SpeechPlayout playout;
    private final StateWatchdog watchdog;
    private final AutoCloseable roomListener;
    private Conversation conversation;
    private TextInput textInput;
    private UserAway userAway;
    private volatile boolean thinking;
    private volatile boolean closed;

    private VoiceSession(AgentSession session, VoiceOptions options, VoiceProviders providers, VoiceRuntime runtime,
            Function<VoiceAgent, ActiveAgent> describe, ActiveAgent.Resolver handoffs,
            java.util.function.Consumer<io.openrtc.observe.VoiceMetric> metrics) throws RoomException, InterruptedException {
        this.session = session;
        this.room = session.room();
        this.options = options;
        this.providers = providers;
        this.runtime = runtime;
        this.describe = describe;
        this.handoffs = handoffs;
        this.metrics = metrics;
        this.label = session.job().jobId();
        this.events = new VoiceEvents(label);
        events.add(this::measure);
        this.state = new AgentStateReporter(room, label, events::publish);
        LocalAudioTrack track = providers.tts() == null ? null : room.publishAudio(options.trackName());
        this.turns = new UserTurns(room, providers.stt(), options, runtime.timers(), events::publish, this::providerFailed,
                this::updateState, label);
        StreamingSpeechToText streaming = providers.stt() instanceof StreamingSpeechToText s ? s : null;
        this.input = new AudioInput(room, session.job().participantIdentity(), options, runtime.vadModel(), turns, streaming,
                events::publish, this::providerFailed, label);
        this.playout = track == null ? null
                : new SpeechPlayout(room, track, providers.tts(), options, events::publish, this::providerFailed,
                        this::updateState, label);
        if (playout != null && providers.stt() != null) {
            Interruptions interruptions = new Interruptions(options.interruption(), playout, runtime.timers(), events::publish,
                    () -> input.linkedParticipant().orElse(""), () -> conversationIfStarted().flatMap(Conversation::current));
            input.addVadListener(interruptions::onVad);
            turns.addTranscriptListener(interruptions::onTranscript);
            turns.setBackchannel(transcript -> playout.isBusy()
                    && options.interruption().speaking().meaningfulWords(transcript.text()) == 0);
        }
        this.watchdog = playout == null ? null : new StateWatchdog(state::current, playout, runtime.timers(), events::publish);
        this.roomListener = room.addListener(this::onRoomEvent);
    }

    /**
     * Starts a session's voice: publishes its audio track (when it can speak), starts listening
     * (when it can hear) and shows {@code listening}.
     *
     * @param session  the session, whose room is joined; the participant its job names is
     *                 listened to, else the first standard participant
     * @param describe makes the conversation's agent of the session's {@link VoiceAgent}
     * @param handoffs finds the other registered voice agents, for handoffs
     * @param metrics  receives what the voice measures (turn timings, interruptions, tool calls,
     *                 provider errors), for the pool's meters
     * @throws RoomException when the audio track cannot be published
     */
    public static VoiceSession start(AgentSession session, VoiceOptions options, VoiceProviders providers, VoiceRuntime runtime,
            Function<VoiceAgent, ActiveAgent> describe, ActiveAgent.Resolver handoffs,
            java.util.function.Consumer<io.openrtc.observe.VoiceMetric> metrics) throws RoomException, InterruptedException {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(providers, "providers");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(describe, "describe");
        Objects.requireNonNull(handoffs, "handoffs");
        Objects.requireNonNull(metrics, "metrics");
        VoiceSession voice = new VoiceSession(session, options, providers, runtime, describe, handoffs, metrics);
        if (providers.stt() != null) {
            voice.input.start();
        }
        voice.updateState();
        return voice;
    }

    // ---- speaking and listening ----

    @Override
    public SpeechHandle sayAsync(String text, boolean allowInterruptions) {
        Objects.requireNonNull(text, "text");
        requirePlayout();
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
        if (providers.stt() == null && conversation == null) {
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
        conversationIfStarted().flatMap(Conversation::current).ifPresent(Reply::cancel);
    }

    // ---- the conversation ----

    @Override
    public void converse(VoiceAgent agent) throws InterruptedException {
        Conversation talk = conversation(agent);
        synchronized (this) {
            if (textInput == null) {
                textInput = new TextInput(room, label, () -> input.linkedParticipant().orElse(""), this::deliverTyped,
                        this::interruptIfAllowed);
                userAway = new UserAway(options.conversation(), runtime.timers(), this::isQuiet, this::promptAwayUser,
                        session::end, label);
                events.add(this::noteActivity);
            }
        }
        talk.converse(session.settings().greeting());
    }

    @Override
    public SpeechHandle reply(UserTurn turn) throws InterruptedException {
        Objects.requireNonNull(turn, "turn");
        Reply reply = conversation(null).startReply(turn);
        reply.await();
        return reply;
    }

    @Override
    public SpeechHandle generateReply(String instructions) throws InterruptedException {
        Objects.requireNonNull(instructions, "instructions");
        Reply reply = conversation(null).startReply(null, instructions);
        reply.await();
        return reply;
    }

    @Override
    public List<ChatItem> history() {
        return conversationIfStarted().map(c -> c.history().items()).orElse(List.of());
    }

    @Override
    public String agentName() {
        return conversationIfStarted().map(c -> c.agent().name()).orElse(session.agentName());
    }

    /** The conversation, made on first use from {@code agent} (or the session's own agent description). */
    private synchronized Conversation conversation(VoiceAgent agent) {
        if (conversation == null) {
            ActiveAgent first = agent != null ? describe.apply(agent)
                    : handoffs.resolve(session.agentName()).orElseGet(() -> describe.apply(new InstructionlessAgent()));
            if (first.llm() == null) {
                throw new IllegalStateException("Agent '" + first.name() + "' has no language model, so it cannot reply: give it "
                        + "one (a Spring AI ChatModel bean, openrtc.agents." + first.name() + ".llm, or VoiceProviders)");
            }
            conversation = new Conversation(this, turns, session, first, handoffs, events::publish);
        }
        return conversation;
    }

    private synchronized Optional<Conversation> conversationIfStarted() {
        return Optional.ofNullable(conversation);
    }

    private void deliverTyped(UserTurn turn) {
        turns.deliver(turn);
    }

    private void interruptIfAllowed() {
        if (playout != null) {
            QueuedSpeech speech = playout.current();
            if (speech != null && speech.allowsInterruptions()) {
                speech.interrupt();
            }
        }
    }

    /**
     * Waits until the participant to talk to is there, at most {@code timeout}: linked (their
     * audio is subscribed), or a standard participant who has been in the room for
     * {@value #MICROPHONE_GRACE_MS} ms without publishing audio (one who only types).
     */
    void awaitParticipant(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long firstSeen = 0;
        while (System.nanoTime() < deadline && !room.isClosed()) {
            if (input.linkedParticipant().isPresent() && !input.linkedTrackSid().isEmpty()) {
                return;
            }
            boolean someone = room.remoteParticipants().stream().anyMatch(p -> p.kind() == io.openrtc.rtc.ParticipantKind.STANDARD
                    || p.kind() == io.openrtc.rtc.ParticipantKind.SIP);
            if (someone && firstSeen == 0) {
                firstSeen = System.nanoTime();
            } else if (someone && (providers.stt() == null
                    || System.nanoTime() - firstSeen > Duration.ofMillis(MICROPHONE_GRACE_MS).toNanos())) {
                return;
            }
            // Wakes at once when a track arrives; a participant who only types shows up within a poll.
            room.awaitAudioTrack(track -> true, Duration.ofMillis(100));
        }
    }

    private static final long MICROPHONE_GRACE_MS = 2000;

    private boolean isQuiet() {
        return !turns.isUserSpeaking() && (playout == null || !playout.isBusy())
                && conversationIfStarted().flatMap(Conversation::current).isEmpty();
    }

    private void promptAwayUser() {
        try {
            if (playout != null) {
                say(options.conversation().userAwayPrompt());
            } else {
                room.sendChat(options.conversation().userAwayPrompt());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("Voice of {}: the away prompt was not sent: {}", label, e.getMessage());
        }
    }

    /** The voice events the meters count, as metrics for the pool. */
    private void measure(VoiceEvent event) {
        io.openrtc.observe.VoiceMetric metric = switch (event) {
            case VoiceEvent.TurnMeasured turn -> turn.metrics();
            case VoiceEvent.AgentInterrupted interrupted -> new io.openrtc.observe.VoiceMetric.Interruption(true);
            case VoiceEvent.FalseInterruption resumed -> new io.openrtc.observe.VoiceMetric.Interruption(false);
            case VoiceEvent.ToolCalled called -> new io.openrtc.observe.VoiceMetric.ToolCall(called.tool(), called.failed(),
                    called.took());
            case VoiceEvent.ProviderFailed failed -> new io.openrtc.observe.VoiceMetric.ProviderError(failed.provider(),
                    failed.step().name());
            case VoiceEvent.UserTurnDropped dropped -> new io.openrtc.observe.VoiceMetric.TurnDropped(dropped.reason().tag());
            case VoiceEvent.StateRepaired repaired -> new io.openrtc.observe.VoiceMetric.StateRepaired(
                    repaired.from().wireValue(), repaired.silentFor());
            default -> null;
        };
        if (metric != null) {
            metrics.accept(metric);
        }
    }

    private void noteActivity(VoiceEvent event) {
        UserAway away = userAway;
        if (away == null) {
            return;
        }
        switch (event) {
            case VoiceEvent.UserSpeechStarted e -> away.activity(true);
            case VoiceEvent.UserTurnCommitted e -> away.activity(true);
            case VoiceEvent.AgentSpeechEnded e -> away.activity(false);
            default -> {
            }
        }
    }

    // ---- state and the rest ----

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
        Conversation talk;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            talk = conversation;
        }
        try {
            roomListener.close();
        } catch (Exception e) {
            log.debug("Removing the room listener failed", e);
        }
        if (talk != null) {
            talk.close();
        }
        if (textInput != null) {
            textInput.close();
            userAway.close();
        }
        input.close();
        turns.close();
        if (playout != null) {
            watchdog.close();
            playout.close();
        }
        state.close();
        events.close();
    }

    SpeechPlayout playout() {
        return playout;
    }

    void setThinking(boolean value) {
        thinking = value;
        updateState();
    }

    private void requirePlayout() {
        if (playout == null) {
            throw new IllegalStateException("The voice of " + label + " has no text-to-speech provider, so it cannot say anything: "
                    + "give the agent one (a Spring AI TextToSpeechModel bean, openrtc.agents.<name>.tts, or VoiceProviders)");
        }
    }

    private void updateState() {
        if (closed) {
            return;
        }
        AgentState next;
        boolean replying = conversationIfStarted().flatMap(Conversation::current).isPresent();
        if (playout != null && playout.isAudible()) {
            next = AgentState.SPEAKING;
        } else if (playout != null && playout.isPaused()) {
            next = AgentState.LISTENING;
        } else if (thinking || replying || (playout != null && playout.isBusy())) {
            next = AgentState.THINKING;
        } else {
            next = AgentState.LISTENING;
        }
        state.set(next);
    }

    void providerFailed(VoiceProviderException error) {
        events.publish(new VoiceEvent.ProviderFailed(Instant.now(), error.provider(), error.step(), error.getMessage()));
        if (options.providerErrors() == VoiceOptions.ProviderErrorPolicy.END_SESSION) {
            log.warn("Voice of {}: ending the session after a provider failure (openrtc.voice.provider-errors=end-session)", label);
            session.end();
        }
    }

    private void onRoomEvent(RoomEvent event) {
        if (event instanceof RoomEvent.ParticipantLeft left && options.closeOnParticipantLeft()
                && input.linkedParticipant().map(left.participant().identity()::equals).orElse(false)) {
            log.info("Voice of {}: {} left; ending the session", label, left.participant().identity());
            session.end();
        }
    }

    /** The agent of a plain {@code Agent} that calls {@link #reply}: no instructions of its own. */
    private static final class InstructionlessAgent implements VoiceAgent {
        @Override
        public String instructions() {
            return "";
        }
    }
}
