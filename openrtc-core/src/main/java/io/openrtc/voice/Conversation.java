package io.openrtc.voice;

import io.openrtc.agent.AgentSession;
import io.openrtc.observe.SessionMdc;
import io.openrtc.rtc.Room;
import io.openrtc.voice.llm.ChatHistory;
import io.openrtc.voice.llm.ChatItem;
import io.openrtc.voice.llm.ChatStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conversation of one session with a language model: its history, the agent it speaks for
 * now (a handoff replaces it), and the replies. {@link #converse} runs the whole loop: the
 * greeting, then for every user turn (spoken or typed) a reply; a typed turn cancels a reply that
 * is still under way, a spoken one that did not interrupt it is answered after it. Interruptions, typed messages and an away user are handled by
 * {@link Interruptions}, {@link TextInput} and {@link UserAway} alongside.
 */
final class Conversation implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Conversation.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration GREET_WAIT = Duration.ofSeconds(30);

    private final VoiceSession voice;
    private final AgentSession session;
    private final Room room;
    private final VoiceOptions options;
    private final ChatHistory history = new ChatHistory();
    private final ActiveAgent.Resolver resolver;
    private final ToolRunner tools;
    private final Consumer<VoiceEvent> events;
    private volatile ActiveAgent agent;
    private volatile Reply current;

    private final UserTurns turns;

    Conversation(VoiceSession voice, UserTurns turns, AgentSession session, ActiveAgent first, ActiveAgent.Resolver resolver,
            Consumer<VoiceEvent> events) {
        this.voice = voice;
        this.turns = turns;
        this.session = session;
        this.room = session.room();
        this.options = voice.options();
        this.agent = first;
        this.resolver = resolver;
        this.events = events;
        this.tools = new ToolRunner(session, options.conversation().toolTimeout(), events, resolver);
        history.observe(item -> events.accept(new VoiceEvent.ConversationItemAdded(Instant.now(), item)));
    }

    /** Runs the conversation until the session ends: greeting, then a reply to every turn. */
    void converse(String greeting) throws InterruptedException {
        showAgentName();
        // A greeting into an empty room is lost: say it once the caller is there.
        voice.awaitParticipant(GREET_WAIT);
        if (!greeting.isBlank() && canSpeak()) {
            SpeechHandle said = voice.say(greeting);
            history.add(new ChatItem.Assistant(Instant.now(), said.spokenText(), agent.name(), said.isInterrupted(), List.of()));
        }
        try {
            while (true) {
                UserTurn turn = turns.next(null).orElseThrow();
                Reply reply = startReply(turn);
                UserTurn waiting = null;
                while (!reply.isDone() || waiting != null) {
                    if (reply.isDone()) {
                        reply = startReply(waiting);
                        waiting = null;
                        continue;
                    }
                    Optional<UserTurn> newer = turns.next(POLL);
                    if (newer.isEmpty()) {
                        continue;
                    }
                    UserTurn next = waiting == null ? newer.get() : waiting.followedBy(newer.get());
                    if (replaces(newer.get())) {
                        reply.cancel(TurnDropReason.SUPERSEDED);
                        reply.await();
                        reply = startReply(next);
                        waiting = null;
                    } else {
                        // Speech that did not pass the interruption thresholds of the agent's state
                        // does not stop it: the words are answered once this reply is done.
                        waiting = next;
                    }
                }
            }
        } finally {
            Reply last = current;
            if (last != null) {
                last.cancel();
            }
        }
    }

    /**
     * Whether a turn that arrives while a reply is under way replaces it. A typed message does
     * (it stops the agent, as LiveKit's chat does), and so does any turn of an agent that only
     * writes. A spoken turn does not: had its speech passed the interruption thresholds of the
     * agent's state ({@link Interruptions}), the reply would be stopped already; it did not, so
     * it is answered next. One setting can never be bypassed by another path.
     */
    private boolean replaces(UserTurn newer) {
        return newer.source() == UserTurn.Source.TEXT || !canSpeak();
    }

    /** Starts a reply to {@code turn} (null: on demand, with {@code extraInstructions}). */
    Reply startReply(UserTurn turn, String extraInstructions) {
        requireModel();
        Reply reply = new Reply(this, turn, extraInstructions);
        current = reply;
        return reply.start();
    }

    Reply startReply(UserTurn turn) {
        return startReply(turn, null);
    }

    /** The reply under way, if any. */
    Optional<Reply> current() {
        return Optional.ofNullable(current);
    }

    void replyFinished(Reply reply) {
        if (current == reply) {
            current = null;
        }
        setThinking(false);
    }

    /** Passes the session to {@code agentName}: its instructions, tools, model and voice take over. */
    void handoff(String agentName) throws InterruptedException {
        ActiveAgent next = resolver.resolve(agentName).orElseThrow(() -> new IllegalArgumentException(
                "no voice agent named '" + agentName + "' is registered"));
        ActiveAgent previous = agent;
        agent = next;
        history.add(new ChatItem.Handoff(Instant.now(), previous.name(), next.name()));
        switch (options.conversation().handoffHistory()) {
            case KEEP -> {
            }
            case NONE -> history.replace(List.of(new ChatItem.Handoff(Instant.now(), previous.name(), next.name())));
            case SUMMARY -> summarise(previous, next);
        }
        events.accept(new VoiceEvent.AgentHandoff(Instant.now(), previous.name(), next.name()));
        log.info("Voice of {}: handed off from {} to {}", label(), previous.name(), next.name());
        showAgentName();
    }

    private void summarise(ActiveAgent previous, ActiveAgent next) throws InterruptedException {
        try (ChatStream stream = next.llm().stream(history.request(new ChatItem.Instructions(Instant.now(),
                "Summarise the conversation so far in a few sentences, for the agent who takes it over."), List.of(),
                List.of()))) {
            String summary = new LlmSpeechText(next.llm(), stream, options.conversation().llmTimeout()).readAll();
            history.replace(List.of(new ChatItem.Handoff(Instant.now(), previous.name(), next.name()),
                    new ChatItem.Assistant(Instant.now(), "Summary of the conversation so far: " + summary, previous.name(),
                            false, List.of())));
        } catch (VoiceProviderException e) {
            providerFailed(e);
        } catch (Exception e) {
            providerFailed(new VoiceProviderException(next.llm().name(), VoiceStep.LLM, VoiceProviderException.describe(e), e));
        }
    }

    private void showAgentName() {
        Thread.ofVirtual().name("openrtc-voice-agent-name").start(SessionMdc.propagate(() -> {
            try {
                room.setAttributes(Map.of("lk.agent.name", agent.name()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.debug("Voice of {}: could not set lk.agent.name: {}", label(), e.getMessage());
            }
        }));
    }

    /** Says the apology after a failure: spoken when it can be, and in the chat for a typed turn. */
    void apologize(String apology, UserTurn turn) throws InterruptedException {
        if (canSpeak()) {
            SpeechHandle said = voice.say(apology);
            history.add(new ChatItem.Assistant(Instant.now(), said.spokenText(), agent.name(), said.isInterrupted(), List.of()));
        }
        if (!canSpeak() || (turn != null && turn.source() == UserTurn.Source.TEXT)) {
            sendChat(apology);
        }
    }

    void sendChat(String text) {
        if (text.isBlank()) {
            return;
        }
        try {
            room.sendChat(text);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("Voice of {}: the chat reply was not sent: {}", label(), e.getMessage());
        }
    }

    void providerFailed(VoiceProviderException error) {
        voice.providerFailed(error);
    }

    /** Reports {@code event} to the session's listeners. */
    void publish(VoiceEvent event) {
        events.accept(event);
    }

    /** A reply measured its turn. */
    void measured(io.openrtc.observe.VoiceMetric.Turn metrics) {
        events.accept(new VoiceEvent.TurnMeasured(Instant.now(), agent.name(), metrics));
    }

    void setThinking(boolean value) {
        voice.setThinking(value);
    }

    private void requireModel() {
        if (agent.llm() == null) {
            throw new IllegalStateException("Agent '" + agent.name() + "' has no language model, so it cannot reply: give it "
                    + "one (a Spring AI ChatModel bean, openrtc.agents." + agent.name() + ".llm, or VoiceProviders)");
        }
    }

    boolean canSpeak() {
        return voice.playout() != null;
    }

    /** Whether {@code identity} publishes audio (a caller who only types does not: their answers are written). */
    boolean hasAudio(String identity) {
        return room.audioTracks().stream().anyMatch(t -> t.participantIdentity().equals(identity));
    }

    SpeechPlayout playout() {
        return voice.playout();
    }

    ChatHistory history() {
        return history;
    }

    ActiveAgent agent() {
        return agent;
    }

    /** Replaces the agent without a handoff (the first {@code converse}, or {@link Voice#reply} setting one up). */
    void setAgent(ActiveAgent value) {
        agent = value;
    }

    ToolRunner tools() {
        return tools;
    }

    /** The participant the agent talks to: the one it listens to. */
    String linkedParticipant() {
        return voice.linkedParticipant().orElse("");
    }

    VoiceOptions options() {
        return options;
    }

    AgentSession session() {
        return session;
    }

    String label() {
        return session.job().jobId();
    }

    @Override
    public void close() {
        Reply last = current;
        if (last != null) {
            last.cancel();
        }
    }
}
