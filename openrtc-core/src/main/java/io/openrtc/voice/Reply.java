package io.openrtc.voice;

import io.openrtc.observe.SessionMdc;
import io.openrtc.voice.llm.ChatItem;
import io.openrtc.voice.llm.ChatRequest;
import io.openrtc.voice.llm.ChatStream;
import io.openrtc.voice.llm.LanguageModel;
import io.openrtc.voice.llm.ToolCall;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One reply of the agent, on a virtual thread of its own: ask the language model (instructions,
 * history, tools), speak its answer as it streams, run the tools it asks for and ask again, up to
 * {@link ConversationOptions#maxToolSteps()} rounds. What was actually heard goes into the
 * history; an interruption ends the reply there (the model's and the synthesis's streams are
 * cancelled); a failed model gets the configured apology. The reply is also the
 * {@link SpeechHandle} that {@link Voice#reply} returns: its text is all that was said.
 */
final class Reply implements SpeechHandle {

    private final Conversation conversation;
    private final UserTurn turn;
    private final String extraInstructions;
    private final CountDownLatch done = new CountDownLatch(1);
    private final StringBuilder text = new StringBuilder();
    private final StringBuilder spoken = new StringBuilder();
    private volatile QueuedSpeech speaking;
    private volatile boolean interrupted;
    private volatile boolean cancelled;
    private volatile TurnDropReason cancelReason = TurnDropReason.SESSION_ENDED;
    private volatile VoiceProviderException failure;
    private volatile Duration played = Duration.ZERO;
    private Thread thread;

    // What the meters get; written by the reply's thread only.
    private long providerNanosBeforeAudio;
    private Duration firstTextWait;
    private Duration ttsFirstByte;
    private Instant firstAudioAt;
    private long promptTokens;
    private long completionTokens;
    private long ttsCharacters;

    /**
     * @param turn              the user's turn it answers, or null (a reply on demand)
     * @param extraInstructions instructions for this reply only, or null
     */
    Reply(Conversation conversation, UserTurn turn, String extraInstructions) {
        this.conversation = conversation;
        this.turn = turn;
        this.extraInstructions = extraInstructions;
    }

    /** Starts it on its own virtual thread. */
    Reply start() {
        thread = Thread.ofVirtual().name("openrtc-voice-reply-" + conversation.label()).start(SessionMdc.propagate(this::run));
        return this;
    }

    /** The turn it answers, or null. */
    UserTurn turn() {
        return turn;
    }

    /** Stops it: the session ends. What was heard stays in the history. */
    void cancel() {
        cancel(TurnDropReason.SESSION_ENDED);
    }

    /** Stops it, for {@code reason} (what its turn's drop says, when none of it was heard). */
    void cancel(TurnDropReason reason) {
        if (!cancelled) {
            cancelReason = reason;
        }
        cancelled = true;
        QueuedSpeech now = speaking;
        if (now != null) {
            // Its end is recorded as heard; the thread goes on to that.
            now.interrupt();
        } else if (thread != null) {
            thread.interrupt();
        }
    }

    private void run() {
        try {
            if (turn != null) {
                conversation.history().add(new ChatItem.User(Instant.now(), turn.text(), turn.participantIdentity(),
                        turn.source() == UserTurn.Source.TEXT));
            }
            answer();
        } catch (InterruptedException e) {
            // cancelled
        } finally {
            measure();
            reportOutcome();
            done.countDown();
            conversation.replyFinished(this);
        }
    }

    private void answer() throws InterruptedException {
        ConversationOptions options = conversation.options().conversation();
        for (int step = 1; step <= options.maxToolSteps() && !cancelled; step++) {
            ActiveAgent agent = conversation.agent();
            LanguageModel model = agent.llm();
            if (model == null) {
                throw new IllegalStateException("Agent '" + agent.name() + "' has no language model");
            }
            List<ChatItem> extra = extraInstructions == null ? List.of()
                    : List.of(new ChatItem.Instructions(Instant.now(), extraInstructions));
            ChatRequest request = conversation.history().request(
                    new ChatItem.Instructions(Instant.now(), agent.instructions()), agent.toolSpecs(), extra);
            ChatStream stream;
            try {
                stream = model.stream(request);
            } catch (Exception e) {
                fail(new VoiceProviderException(model.name(), VoiceStep.LLM, VoiceProviderException.describe(e), e));
                return;
            }
            LlmSpeechText answer = new LlmSpeechText(model, stream, options.llmTimeout());
            long stepStarted = System.nanoTime();
            Step result = speak(agent, answer);
            promptTokens += answer.promptTokens();
            completionTokens += answer.completionTokens();
            if (firstAudioAt == null) {
                // A step that spoke nothing (tool calls only) waited on the model all along.
                providerNanosBeforeAudio += System.nanoTime() - stepStarted;
            } else if (firstTextWait == null) {
                firstTextWait = answer.timeToFirstText();
                providerNanosBeforeAudio += firstTextWait == null ? 0 : firstTextWait.toNanos();
            }
            if (result == Step.STOPPED) {
                return;
            }
            List<ToolCall> calls = answer.toolCalls();
            conversation.history().add(new ChatItem.Assistant(Instant.now(), answer.text(), agent.name(), false, calls));
            if (calls.isEmpty()) {
                return;
            }
            conversation.setThinking(true);
            String participant = turn != null ? turn.participantIdentity() : conversation.linkedParticipant();
            long toolsStarted = System.nanoTime();
            ToolRunner.Outcome outcome = conversation.tools().run(agent, calls, participant);
            if (firstAudioAt == null) {
                providerNanosBeforeAudio += System.nanoTime() - toolsStarted;
            }
            outcome.results().forEach(conversation.history()::add);
            if (outcome.handoffTo().isPresent()) {
                conversation.handoff(outcome.handoffTo().get());
            }
        }
        if (!cancelled) {
            fail(new VoiceProviderException(conversation.agent().name(), VoiceStep.LLM,
                    "the model still asked for tools after " + options.maxToolSteps() + " rounds (openrtc.voice.llm.max-tool-steps)",
                    null));
        }
    }

    private enum Step { CONTINUE, STOPPED }

    /**
     * Speaks (or, without a voice or for a caller who only types, writes) one answer of the model;
     * records what was heard.
     */
    private Step speak(ActiveAgent agent, LlmSpeechText answer) throws InterruptedException {
        boolean typed = turn != null && turn.source() == UserTurn.Source.TEXT;
        if (!conversation.canSpeak() || (typed && !conversation.hasAudio(turn.participantIdentity()))) {
            try {
                String all = answer.readAll();
                append(all, all);
                conversation.sendChat(all);
            } catch (VoiceProviderException e) {
                fail(e);
                return Step.STOPPED;
            }
            return Step.CONTINUE;
        }
        if (typed) {
            // A typed question gets its answer in the chat too, as soon as the model has written it.
            answer.whenComplete(conversation::sendChat);
        }
        QueuedSpeech speech = conversation.playout().enqueue(answer, agent.tts(), true);
        speaking = speech;
        if (cancelled) {
            speech.interrupt();
        }
        try {
            speech.await();
        } catch (InterruptedException e) {
            // The session ends: what was heard still goes into the history.
            speech.interrupt();
            speech.awaitQuietly();
            Thread.currentThread().interrupt();
        }
        speaking = null;
        played = played.plus(speech.playedAudio());
        ttsCharacters += speech.ttsCharacters();
        if (firstAudioAt == null && speech.firstAudioAt() != null) {
            firstAudioAt = speech.firstAudioAt();
            ttsFirstByte = speech.ttsFirstByte();
            providerNanosBeforeAudio += ttsFirstByte == null ? 0 : ttsFirstByte.toNanos();
        }
        append(speech.text(), speech.spokenText());
        if (speech.isInterrupted() || cancelled) {
            interrupted = true;
            answer.cancel();
            // Only what was heard: an answer stopped before its first word leaves nothing to remember.
            if (!speech.spokenText().isBlank()) {
                conversation.history().add(new ChatItem.Assistant(Instant.now(), speech.spokenText(), agent.name(), true,
                        List.of()));
            }
            return Step.STOPPED;
        }
        Optional<VoiceProviderException> failed = speech.failure();
        if (failed.isPresent()) {
            if (!speech.spokenText().isBlank()) {
                conversation.history().add(new ChatItem.Assistant(Instant.now(), speech.spokenText(), agent.name(), false,
                        List.of()));
            }
            // The playout reported it already.
            fail(failed.get(), false);
            return Step.STOPPED;
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("the session ends");
        }
        return Step.CONTINUE;
    }

    private void fail(VoiceProviderException error) throws InterruptedException {
        fail(error, true);
    }

    private void fail(VoiceProviderException error, boolean report) throws InterruptedException {
        failure = error;
        if (report) {
            conversation.providerFailed(error);
        }
        String apology = conversation.options().conversation().apology();
        if (!apology.isEmpty() && !cancelled) {
            conversation.apologize(apology, turn);
        }
    }

    /** Every committed turn ends answered or dropped, never in silence (replies on demand are no turn). */
    private void reportOutcome() {
        if (turn == null) {
            return;
        }
        String heard = spokenText();
        VoiceEvent outcome;
        if (failure != null && heard.isBlank()) {
            outcome = dropped(TurnDropReason.PROVIDER_FAILED, failure.getMessage());
        } else if (!heard.isBlank()) {
            outcome = new VoiceEvent.UserTurnAnswered(Instant.now(), turn, heard, interrupted);
        } else if (cancelled) {
            outcome = dropped(cancelReason, cancelReason == TurnDropReason.SUPERSEDED
                    ? "the user went on before the answer was heard; both turns are in the history"
                    : "stopped before any of the answer was heard");
        } else {
            outcome = dropped(TurnDropReason.NO_ANSWER, "the model answered with nothing to say");
        }
        conversation.publish(outcome);
    }

    private VoiceEvent dropped(TurnDropReason reason, String detail) {
        return new VoiceEvent.UserTurnDropped(Instant.now(), turn.participantIdentity(), turn.text(), reason, detail);
    }

    /** Reports the turn's timings and usage (replies on demand are no turn). */
    private void measure() {
        if (turn == null) {
            return;
        }
        boolean typed = turn.source() == UserTurn.Source.TEXT;
        Instant from = typed ? turn.committedAt() : turn.speechEndedAt();
        Duration response = firstAudioAt == null ? null : Duration.between(from, firstAudioAt);
        Duration transcription = typed ? null : turn.transcriptionDelay();
        Duration framework = response == null ? null
                : response.minusNanos(providerNanosBeforeAudio + (transcription == null ? 0 : transcription.toNanos()));
        conversation.measured(new io.openrtc.observe.VoiceMetric.Turn(typed, typed ? null : turn.endOfTurnDelay(), transcription,
                firstTextWait, ttsFirstByte, response, framework, interrupted, promptTokens, completionTokens, ttsCharacters,
                turn.speechAudio()));
    }

    private synchronized void append(String said, String heard) {
        if (!said.isBlank()) {
            text.append(text.isEmpty() ? "" : " ").append(said.strip());
        }
        if (!heard.isBlank()) {
            spoken.append(spoken.isEmpty() ? "" : " ").append(heard.strip());
        }
    }

    // ---- SpeechHandle ----

    @Override
    public synchronized String text() {
        return text.toString();
    }

    @Override
    public boolean allowsInterruptions() {
        return true;
    }

    @Override
    public boolean isDone() {
        return done.getCount() == 0;
    }

    @Override
    public boolean isInterrupted() {
        return interrupted;
    }

    @Override
    public synchronized String spokenText() {
        return spoken.toString();
    }

    @Override
    public Duration playedAudio() {
        return played;
    }

    @Override
    public Optional<VoiceProviderException> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public void interrupt() {
        cancel();
    }

    @Override
    public void await() throws InterruptedException {
        done.await();
    }

    @Override
    public boolean await(Duration timeout) throws InterruptedException {
        return done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public String toString() {
        return "Reply[" + (turn == null ? "on demand" : turn.text()) + (isDone() ? ", done" : "") + "]";
    }
}
