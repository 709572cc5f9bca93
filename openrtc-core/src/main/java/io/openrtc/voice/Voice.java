package io.openrtc.voice;

import io.openrtc.rtc.AgentState;
import io.openrtc.voice.llm.ChatItem;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A session's voice: it listens to one participant (voice activity detection, speech-to-text,
 * end-of-turn detection) and speaks (text-to-speech, paced out on the session's audio track),
 * showing LiveKit's front ends its state ({@code lk.agent.state}) and both sides' words
 * ({@code lk.transcription}). Get it from {@code AgentSession.voice()}; it starts on first use
 * and stops when the session ends.
 *
 * <p>Straight-line blocking code on the session's thread:
 * <pre>{@code
 * Voice voice = session.voice();
 * voice.say("Welcome to reservations. How many guests?");
 * while (true) {
 *     UserTurn turn = voice.listen();                // blocks until the user has finished a turn
 *     voice.say(answer(turn.text()));
 * }
 * }</pre>
 *
 * <p>Whom it listens to: the participant the job was dispatched for, else the first standard
 * participant to join; a later participant does not take over, {@link #linkParticipant} switches
 * explicitly. When that participant leaves, the session ends (unless
 * {@link VoiceOptions#closeOnParticipantLeft()} is off).
 *
 * <p>When a provider fails (down, slow, garbage), the failure is an event
 * ({@link VoiceEvent.ProviderFailed}) naming the provider and the step, and the pipeline goes on
 * listening; {@link VoiceOptions#providerErrors()} can make it end the session instead. Every
 * provider call has a time limit, so no thread waits forever on one.
 *
 * <p>All methods are thread-safe.
 */
public interface Voice {

    /**
     * Says {@code text} and waits until it has been played out (or was interrupted, or failed).
     * The text is cut into sentences; the first one plays as soon as it is synthesised.
     *
     * @return the finished speech: what was spoken, whether it was interrupted or failed
     * @throws IllegalStateException when the agent has no text-to-speech provider
     */
    default SpeechHandle say(String text) throws InterruptedException {
        SpeechHandle handle = sayAsync(text, true);
        handle.await();
        return handle;
    }

    /**
     * Says {@code text} and waits until done; with {@code allowInterruptions} false the user's
     * speech does not stop it (for what must be heard whole).
     */
    default SpeechHandle say(String text, boolean allowInterruptions) throws InterruptedException {
        SpeechHandle handle = sayAsync(text, allowInterruptions);
        handle.await();
        return handle;
    }

    /**
     * Queues {@code text} to be said after whatever is queued before it, and returns at once.
     *
     * @throws IllegalStateException when the agent has no text-to-speech provider, or the voice
     *                               has stopped
     */
    SpeechHandle sayAsync(String text, boolean allowInterruptions);

    /**
     * Waits for the user's next complete turn: they spoke and stopped (voice activity detection
     * plus the final transcript plus the endpointing delay). Turns completed while the agent was
     * busy wait in order (at most a few; older ones are dropped, with an event).
     *
     * @return the turn
     * @throws IllegalStateException when the agent has no speech-to-text provider
     * @throws InterruptedException  when the session ends
     */
    UserTurn listen() throws InterruptedException;

    /**
     * Like {@link #listen()}, waiting at most {@code timeout}.
     *
     * @return the turn, or empty when none came in time
     */
    Optional<UserTurn> listen(Duration timeout) throws InterruptedException;

    /** Stops whatever the agent is saying now (and drops what is queued after it), and a reply under way. */
    void interrupt();

    // ---- the conversation (a language model) ----

    /**
     * Runs the whole conversation as {@code agent} until the session ends: says the agent's
     * greeting, then answers every turn (spoken, or typed in the chat) with its language model and
     * tools; the user may interrupt, a newer turn replaces an answer still under way, a tool may
     * hand the session to another agent, and an away user is prompted and, by policy, let go.
     * {@link VoiceAgent#run} calls it.
     *
     * @throws IllegalStateException when the agent has no language model
     * @throws InterruptedException  when the session ends
     */
    void converse(VoiceAgent agent) throws InterruptedException;

    /**
     * Answers {@code turn} with the language model (and its tools), speaking as it streams, and
     * waits until the answer was spoken: a plain {@code Agent}'s step-by-step
     * {@code voice.reply(voice.listen())}.
     *
     * @return the whole answer: what was said and heard, whether it was interrupted
     * @throws IllegalStateException when the agent has no language model
     */
    SpeechHandle reply(UserTurn turn) throws InterruptedException;

    /**
     * Makes the agent speak without a user turn: the model answers the conversation so far with
     * {@code instructions} added for this answer only ("Tell the caller the kitchen closes soon").
     */
    SpeechHandle generateReply(String instructions) throws InterruptedException;

    /** The conversation's history so far (empty before the first reply). */
    List<ChatItem> history();

    /** The agent the conversation speaks for now (a handoff changes it). */
    String agentName();

    /** Whether the agent's audio is playing now. */
    boolean isSpeaking();

    /** The state LiveKit's front ends see ({@code lk.agent.state}). */
    AgentState state();

    /** The identity of the participant it listens to, once one is linked. */
    Optional<String> linkedParticipant();

    /** Listens to {@code identity} from now on (their microphone, or first audio track). */
    void linkParticipant(String identity);

    /** Receives every {@link VoiceEvent} from now on; {@code close()} on the handle removes it. */
    AutoCloseable addListener(VoiceListener listener);

    /** The options this voice runs with. */
    VoiceOptions options();
}
