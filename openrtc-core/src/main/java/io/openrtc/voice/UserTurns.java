package io.openrtc.voice;

import io.openrtc.observe.SessionMdc;
import io.openrtc.rtc.Room;
import io.openrtc.rtc.TranscriptSegment;
import io.openrtc.rtc.Transcription;
import io.openrtc.voice.audio.Utterance;
import io.openrtc.voice.stt.SpeechToText;
import io.openrtc.voice.stt.StreamingSpeechToText;
import io.openrtc.voice.stt.Transcript;
import io.openrtc.voice.stt.UtteranceSpeechToText;
import io.openrtc.voice.vad.VadEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles the user's turns: it follows voice activity (speech started, speech ended with its
 * utterance), gets the words from speech-to-text (one request per utterance, or a live stream),
 * publishes them as the user's transcript, and commits a turn once the user has stopped
 * speaking, every transcript of the turn is in, and the endpointing delay has passed. Speech that
 * resumes before the commit extends the same turn.
 *
 * <p>Called from the audio input thread (voice activity), from speech-to-text threads and from
 * the timer thread; all state is guarded by this object's monitor.
 */
final class UserTurns implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UserTurns.class);
    private static final int QUEUED_TURNS = 4;

    private final Room room;
    private final SpeechToText stt;
    private final VoiceOptions options;
    private final ScheduledExecutorService timers;
    private final Consumer<VoiceEvent> events;
    private final Consumer<VoiceProviderException> providerFailed;
    private final Runnable turnsChanged;
    private volatile java.util.function.Predicate<Transcript> backchannel = transcript -> false;
    private final java.util.List<Consumer<Transcript>> transcriptListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final String label;
    private final LinkedBlockingDeque<UserTurn> turns = new LinkedBlockingDeque<>(QUEUED_TURNS);

    // Guarded by this.
    private String participant = "";
    private String trackSid = "";
    private boolean userSpeaking;
    private int transcriptionsInFlight;
    private final List<String> words = new ArrayList<>();
    private Instant turnSpeechStart;
    private Instant turnSpeechEnd;
    private Duration lastTranscriptionDelay = Duration.ZERO;
    private Duration turnAudio = Duration.ZERO;
    private String segmentId = Transcription.newSegmentId();
    private ScheduledFuture<?> commit;
    private long generation;
    private boolean closed;
    private final List<Thread> transcribing = new ArrayList<>();

    UserTurns(Room room, SpeechToText stt, VoiceOptions options, ScheduledExecutorService timers, Consumer<VoiceEvent> events,
            Consumer<VoiceProviderException> providerFailed, Runnable turnsChanged, String label) {
        this.room = room;
        this.stt = stt;
        this.options = options;
        this.timers = timers;
        this.events = events;
        this.providerFailed = providerFailed;
        this.turnsChanged = turnsChanged;
        this.label = label;
    }

    /** The participant and track the audio now comes from (a new link starts a new turn). */
    synchronized void linked(String identity, String track) {
        if (!identity.equals(participant)) {
            discardPending(TurnDropReason.PARTICIPANT_CHANGED, "the pipeline switched to another participant");
        }
        participant = identity;
        trackSid = track;
    }

    /**
     * Decides which transcripts are a backchannel ("mhm" while the agent speaks): they make no
     * turn (a {@code UserTurnDropped} event says so).
     */
    void setBackchannel(java.util.function.Predicate<Transcript> value) {
        backchannel = value;
    }

    /** Also tells {@code listener} every utterance's final transcript, empty ones too (noise, a cough). */
    void addTranscriptListener(Consumer<Transcript> listener) {
        transcriptListeners.add(listener);
    }

    /** Whether the user is speaking now (voice activity). */
    synchronized boolean isUserSpeaking() {
        return userSpeaking;
    }

    /** A voice activity event of the linked participant's audio. */
    void onVad(VadEvent event) {
        switch (event) {
            case VadEvent.SpeechStarted started -> speechStarted(started.speechStart());
            case VadEvent.SpeechEnded ended -> speechEnded(ended.utterance());
            case VadEvent.Window window -> {
                // Windows drive interruption decisions elsewhere; nothing to assemble here.
            }
        }
    }

    /** A live speech-to-text stream's listener that feeds this turn assembly. */
    StreamingSpeechToText.RecognitionListener streamingListener() {
        return new StreamingSpeechToText.RecognitionListener() {
            @Override
            public void interim(Transcript transcript) {
                publishInterim(transcript);
            }

            @Override
            public void complete(Transcript transcript) {
                transcribed(transcript, Duration.ZERO, false);
            }

            @Override
            public void failed(Exception error) {
                providerFailed.accept(new VoiceProviderException(stt.name(), VoiceStep.STT, VoiceProviderException.describe(error), error));
            }
        };
    }

    /** The next committed turn, waiting at most {@code timeout} (null: forever). */
    Optional<UserTurn> next(Duration timeout) throws InterruptedException {
        UserTurn turn = timeout == null ? turns.take() : turns.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        return Optional.ofNullable(turn);
    }

    private void speechStarted(Instant speechStart) {
        String who;
        synchronized (this) {
            userSpeaking = true;
            cancelCommit();
            if (turnSpeechStart == null) {
                turnSpeechStart = speechStart;
            }
            who = participant;
        }
        events.accept(new VoiceEvent.UserSpeechStarted(Instant.now(), who, speechStart));
    }

    private void speechEnded(Utterance utterance) {
        String who;
        synchronized (this) {
            userSpeaking = false;
            turnSpeechEnd = utterance.speechEnd();
            who = participant;
            if (stt instanceof UtteranceSpeechToText) {
                transcriptionsInFlight++;
            }
            scheduleCommitIfReady();
        }
        events.accept(new VoiceEvent.UserSpeechEnded(Instant.now(), who, utterance.speechStart(), utterance.speechEnd()));
        if (stt instanceof UtteranceSpeechToText batch) {
            startTranscription(batch, utterance);
        }
    }

    private void startTranscription(UtteranceSpeechToText batch, Utterance utterance) {
        long started = System.nanoTime();
        synchronized (this) {
            turnAudio = turnAudio.plus(utterance.duration());
        }
        Thread thread = Thread.ofVirtual().name("openrtc-voice-stt-" + label).unstarted(SessionMdc.propagate(() -> {
            try {
                Transcript transcript = callWithTimeout(batch, utterance);
                transcribed(transcript, Duration.ofNanos(System.nanoTime() - started), true);
            } catch (VoiceProviderException e) {
                transcriptionFailed();
                providerFailed.accept(e);
                transcriptListeners.forEach(l -> l.accept(Transcript.of("")));
            } catch (InterruptedException e) {
                transcriptionFailed();
            } finally {
                synchronized (this) {
                    transcribing.remove(Thread.currentThread());
                }
            }
        }));
        synchronized (this) {
            if (closed) {
                return;
            }
            transcribing.add(thread);
        }
        thread.start();
    }

    /** Runs the provider on a thread of its own, so a provider that ignores interrupts cannot hold this one past the limit. */
    private Transcript callWithTimeout(UtteranceSpeechToText batch, Utterance utterance)
            throws VoiceProviderException, InterruptedException {
        FutureTask<Transcript> task = new FutureTask<>(() -> batch.transcribe(utterance));
        Thread.ofVirtual().name("openrtc-voice-stt-call-" + label).start(SessionMdc.propagate(task));
        try {
            Transcript transcript = task.get(options.sttTimeout().toNanos(), TimeUnit.NANOSECONDS);
            if (transcript == null) {
                throw new VoiceProviderException(batch.name(), VoiceStep.STT, "returned no transcript (null)", null);
            }
            return transcript;
        } catch (TimeoutException e) {
            task.cancel(true);
            throw new VoiceProviderException(batch.name(), VoiceStep.STT,
                    "no answer within " + options.sttTimeout().toMillis() + " ms (openrtc.voice.stt.timeout)", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new VoiceProviderException(batch.name(), VoiceStep.STT, VoiceProviderException.describe(cause), cause);
        } catch (InterruptedException e) {
            task.cancel(true);
            throw e;
        }
    }

    private void transcriptionFailed() {
        synchronized (this) {
            transcriptionsInFlight = Math.max(0, transcriptionsInFlight - 1);
            forgetNoiseOnlyTurn();
            scheduleCommitIfReady();
        }
    }

    private void transcribed(Transcript heard, Duration delay, boolean counted) {
        boolean filler = !heard.isEmpty() && backchannel.test(heard);
        Transcript transcript = filler ? Transcript.of("") : heard;
        String who;
        String track;
        String segment;
        synchronized (this) {
            if (counted) {
                transcriptionsInFlight = Math.max(0, transcriptionsInFlight - 1);
            }
            if (closed) {
                return;
            }
            lastTranscriptionDelay = delay;
            who = participant;
            track = trackSid;
            segment = segmentId;
            if (!transcript.isEmpty()) {
                words.add(transcript.text());
                // The next utterance of the same turn is a segment of its own.
                segmentId = Transcription.newSegmentId();
            } else {
                forgetNoiseOnlyTurn();
            }
            scheduleCommitIfReady();
        }
        transcriptListeners.forEach(l -> l.accept(heard));
        if (filler) {
            events.accept(new VoiceEvent.UserTurnDropped(Instant.now(), who, heard.text(), TurnDropReason.BACKCHANNEL,
                    "only filler words while the agent spoke: a backchannel"));
        }
        if (transcript.isEmpty()) {
            log.debug("Voice of {}: speech-to-text heard nothing intelligible", label);
            return;
        }
        events.accept(new VoiceEvent.UserTranscribed(Instant.now(), who, segment, transcript.text(), true, delay));
        sendTranscript(new TranscriptSegment(segment, who, track, transcript.text(), true));
    }

    private void publishInterim(Transcript transcript) {
        String who;
        String track;
        String segment;
        synchronized (this) {
            who = participant;
            track = trackSid;
            segment = segmentId;
        }
        if (transcript.isEmpty()) {
            return;
        }
        events.accept(new VoiceEvent.UserTranscribed(Instant.now(), who, segment, transcript.text(), false, Duration.ZERO));
        sendTranscript(new TranscriptSegment(segment, who, track, transcript.text(), false));
    }

    private void sendTranscript(TranscriptSegment segment) {
        if (!options.transcripts() || segment.trackSid().isEmpty()) {
            return;
        }
        try {
            room.publishTranscript(segment);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("Voice of {}: the user's transcript was not sent: {}", label, e.getMessage());
        }
    }

    /** An utterance that gave no words (noise, a cough) must not date the next turn's start. */
    private void forgetNoiseOnlyTurn() {
        if (words.isEmpty() && !userSpeaking && transcriptionsInFlight == 0) {
            turnSpeechStart = null;
            turnSpeechEnd = null;
        }
    }

    /** Schedules the commit when the user is silent, every transcript is in and words were heard. */
    private void scheduleCommitIfReady() {
        cancelCommit();
        if (closed || userSpeaking || transcriptionsInFlight > 0 || words.isEmpty() || turnSpeechEnd == null) {
            return;
        }
        String text = String.join(" ", words);
        Duration delay = EndOfTurn.looksComplete(text) ? options.minEndpointingDelay() : options.maxEndpointingDelay();
        long wait = Duration.between(Instant.now(), turnSpeechEnd.plus(delay)).toNanos();
        long scheduledGeneration = ++generation;
        commit = timers.schedule(() -> commit(scheduledGeneration), Math.max(0, wait), TimeUnit.NANOSECONDS);
    }

    private void cancelCommit() {
        if (commit != null) {
            commit.cancel(false);
            commit = null;
        }
        generation++;
    }

    private void commit(long scheduledGeneration) {
        UserTurn turn;
        synchronized (this) {
            if (scheduledGeneration != generation || closed || userSpeaking || transcriptionsInFlight > 0 || words.isEmpty()) {
                return;
            }
            turn = new UserTurn(participant, trackSid, String.join(" ", words), turnSpeechStart, turnSpeechEnd, Instant.now(),
                    lastTranscriptionDelay, turnAudio, UserTurn.Source.SPEECH);
            words.clear();
            turnAudio = Duration.ZERO;
            turnSpeechStart = null;
            turnSpeechEnd = null;
            commit = null;
        }
        deliver(turn);
    }

    /** Queues a turn for {@link #next}; the oldest waiting one is dropped when the queue is full. */
    void deliver(UserTurn turn) {
        while (!turns.offerLast(turn)) {
            UserTurn dropped = turns.pollFirst();
            if (dropped != null) {
                events.accept(new VoiceEvent.UserTurnDropped(Instant.now(), dropped.participantIdentity(), dropped.text(),
                        TurnDropReason.QUEUE_FULL, "nobody listened: " + QUEUED_TURNS + " newer turns came first"));
            }
        }
        events.accept(new VoiceEvent.UserTurnCommitted(Instant.now(), turn));
        turnsChanged.run();
    }

    private void discardPending(TurnDropReason reason, String detail) {
        cancelCommit();
        if (!words.isEmpty()) {
            events.accept(new VoiceEvent.UserTurnDropped(Instant.now(), participant, String.join(" ", words), reason, detail));
        }
        words.clear();
        turnSpeechStart = null;
        turnSpeechEnd = null;
        userSpeaking = false;
    }

    @Override
    public void close() {
        List<Thread> threads;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            discardPending(TurnDropReason.SESSION_ENDED, "the session ended before the turn was complete");
            threads = List.copyOf(transcribing);
        }
        UserTurn waiting;
        while ((waiting = turns.pollFirst()) != null) {
            events.accept(new VoiceEvent.UserTurnDropped(Instant.now(), waiting.participantIdentity(), waiting.text(),
                    TurnDropReason.SESSION_ENDED, "the session ended before the turn was taken"));
        }
        threads.forEach(Thread::interrupt);
    }
}
