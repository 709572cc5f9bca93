package io.openrtc.voice;

import io.openrtc.observe.SessionMdc;
import io.openrtc.rtc.LocalAudioTrack;
import io.openrtc.rtc.Room;
import io.openrtc.rtc.RoomClosedException;
import io.openrtc.rtc.TextStreamWriter;
import io.openrtc.voice.tts.TextToSpeech;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speaking half, on one virtual thread: it takes queued speech in order, plays each one's
 * synthesised frames onto the session's audio track (whose bounded queue paces it in real time),
 * and keeps the room in step with what the caller actually hears: the state turns
 * {@code speaking} when the first frame is sent, and the agent's transcript grows word by word as
 * the audio plays.
 *
 * <p>Frames are numbered as the track sends them ({@link LocalAudioTrack#framesSent()}), and each
 * sentence records which frames hold it, so after an interruption the words heard are the
 * sentences played whole plus the share of the current one played.
 *
 * <p>An interruption sets the speech's flag and clears the track's queue at once (from the
 * interrupting thread); the playout thread, which checks the flag before every frame, clears
 * again, so at most one 10 ms frame is sent after the interruption. A pause (the user may be
 * interrupting) takes the queued frames off the track the same way but keeps them, and a resume
 * writes them back first, so the speech goes on exactly where it stopped.
 */
final class SpeechPlayout implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SpeechPlayout.class);
    private static final Duration SYNC_EVERY = Duration.ofMillis(40);
    private static final Duration POLL = Duration.ofMillis(20);
    /**
     * Longer than this without a frame leaving, the agent is not audible (so not "speaking"),
     * even mid-speech: a synthesis that is slow between sentences shows as thinking. Well above
     * the track's own jitter, well below the 500 ms after which a speaking state counts as stuck.
     */
    static final Duration AUDIBLE_GAP = Duration.ofMillis(250);

    private final Room room;
    private final LocalAudioTrack track;
    private final TextToSpeech defaultTts;
    private final VoiceOptions options;
    private final Consumer<VoiceEvent> events;
    private final Consumer<VoiceProviderException> providerFailed;
    private final Runnable stateChanged;
    private final String label;
    private final LinkedBlockingDeque<QueuedSpeech> queue = new LinkedBlockingDeque<>();
    private final ConcurrentLinkedDeque<short[]> pausedFrames = new ConcurrentLinkedDeque<>();
    private final Object pauseLock = new Object();
    private final Thread thread;
    private volatile QueuedSpeech current;
    private volatile boolean audible;
    private volatile boolean started;
    private volatile long lastSent = -1;
    private volatile long lastAdvanceNanos = System.nanoTime();
    private volatile boolean paused;
    private volatile boolean closed;

    SpeechPlayout(Room room, LocalAudioTrack track, TextToSpeech tts, VoiceOptions options, Consumer<VoiceEvent> events,
            Consumer<VoiceProviderException> providerFailed, Runnable stateChanged, String label) {
        this.room = room;
        this.track = track;
        this.defaultTts = tts;
        this.options = options;
        this.events = events;
        this.providerFailed = providerFailed;
        this.stateChanged = stateChanged;
        this.label = label;
        this.thread = Thread.ofVirtual().name("openrtc-voice-out-" + label).start(SessionMdc.propagate(this::run));
    }

    /** Queues {@code text}; it plays after everything queued before it. */
    QueuedSpeech enqueue(String text, boolean allowInterruptions) {
        QueuedSpeech[] self = new QueuedSpeech[1];
        return add(self, new QueuedSpeech(text, allowInterruptions, () -> interrupted(self[0])));
    }

    /** Queues a speech whose words stream in from {@code source}, said with {@code tts} (null: the default). */
    QueuedSpeech enqueue(SpeechText source, TextToSpeech tts, boolean allowInterruptions) {
        QueuedSpeech[] self = new QueuedSpeech[1];
        return add(self, new QueuedSpeech(source, tts, allowInterruptions, () -> interrupted(self[0])));
    }

    private QueuedSpeech add(QueuedSpeech[] self, QueuedSpeech speech) {
        if (closed) {
            throw new IllegalStateException("the voice of " + label + " has stopped");
        }
        self[0] = speech;
        queue.add(speech);
        stateChanged.run();
        return speech;
    }

    /** Whether the agent's audio is being sent now: frames left within {@link #AUDIBLE_GAP}. */
    boolean isAudible() {
        return audible && !paused;
    }

    /** How long since the last frame of speech left (since the start, before any). */
    Duration silentFor() {
        return Duration.ofNanos(System.nanoTime() - lastAdvanceNanos);
    }

    /**
     * The state said speaking while no audio left (the playout thread is stuck, or a frame counter
     * lies): not audible any more, and the current speech stops, so that its reply ends with
     * what was heard and the conversation goes on.
     */
    void repairSilence() {
        audible = false;
        QueuedSpeech playing = current;
        if (playing != null) {
            playing.interrupt();
        }
        stateChanged.run();
    }

    /** Whether the current speech is paused. */
    boolean isPaused() {
        return paused;
    }

    /** Whether anything is queued or playing. */
    boolean isBusy() {
        return current != null || !queue.isEmpty();
    }

    /** The speech playing now, if any. */
    QueuedSpeech current() {
        return current;
    }

    /**
     * Pauses the current speech: its queued audio comes off the track at once and is kept.
     *
     * @return whether a speech was paused (one is playing, may be interrupted, and was not paused)
     */
    boolean pause() {
        return holdIf(() -> {
            QueuedSpeech playing = current;
            return playing != null && playing.allowsInterruptions() && audible;
        });
    }

    /**
     * Holds the agent before it is heard (the user speaks while a reply is under way): nothing
     * plays until {@link #resume()}, whether the speech is playing, queued or not queued yet.
     *
     * @return whether it was held (it was not already, and nothing queued forbids interruptions)
     */
    boolean hold() {
        return holdIf(() -> {
            QueuedSpeech playing = current;
            return (playing == null || playing.allowsInterruptions()) && queue.stream().allMatch(QueuedSpeech::allowsInterruptions);
        });
    }

    /** Takes the queued audio off the track and keeps it, when not paused yet and {@code allowed}. */
    private boolean holdIf(java.util.function.BooleanSupplier allowed) {
        synchronized (pauseLock) {
            if (paused || !allowed.getAsBoolean()) {
                return false;
            }
            paused = true;
            audible = false;
            pausedFrames.addAll(track.takeQueued());
        }
        stateChanged.run();
        return true;
    }

    /** Resumes a paused speech where it stopped. */
    void resume() {
        synchronized (pauseLock) {
            if (!paused) {
                return;
            }
            paused = false;
            // Audible again once its frames leave; the silence of the pause was no stuck state.
            lastAdvanceNanos = System.nanoTime();
            pauseLock.notifyAll();
        }
        stateChanged.run();
    }

    /** Stops the current speech and drops the queued ones. */
    void interruptAll() {
        List<QueuedSpeech> dropped = new ArrayList<>();
        queue.drainTo(dropped);
        for (QueuedSpeech speech : dropped) {
            speech.interrupt();
            speech.finish("", Duration.ZERO, null);
        }
        QueuedSpeech playing = current;
        if (playing != null) {
            playing.interrupt();
        }
    }

    private void interrupted(QueuedSpeech speech) {
        if (speech == current) {
            track.clear();
            synchronized (pauseLock) {
                pauseLock.notifyAll();
            }
        }
    }

    private void run() {
        try {
            while (!closed) {
                QueuedSpeech speech = queue.take();
                current = speech;
                try {
                    play(speech);
                } finally {
                    synchronized (pauseLock) {
                        // A pause belongs to the speech it paused; the next one starts unpaused.
                        paused = false;
                        pausedFrames.clear();
                    }
                    current = null;
                    audible = false;
                    started = false;
                    lastSent = -1;
                    stateChanged.run();
                }
            }
        } catch (InterruptedException e) {
            // closed
        } catch (RoomClosedException e) {
            log.debug("Voice of {}: the room closed while speaking", label);
        }
        interruptAll();
    }

    private void play(QueuedSpeech speech) throws InterruptedException {
        if (speech.isInterrupted()) {
            speech.finish("", Duration.ZERO, null);
            return;
        }
        TextToSpeech tts = speech.tts() != null ? speech.tts() : defaultTts;
        long[] written = {track.framesSent() + track.queued().toMillis() / 10};
        AgentTranscript transcript = new AgentTranscript();
        VoiceProviderException failure = null;
        boolean complete = false;
        long nextSync = 0;
        try (SpeechSynthesis synthesis = new SpeechSynthesis(tts, speech, options.ttsTimeout(), label)) {
            long lastItem = System.nanoTime();
            while (!speech.isInterrupted()) {
                if (paused) {
                    holdWhilePaused(speech, written);
                    lastItem = System.nanoTime();
                    continue;
                }
                if (System.nanoTime() >= nextSync) {
                    sync(speech, transcript);
                    nextSync = System.nanoTime() + SYNC_EVERY.toNanos();
                }
                SpeechSynthesis.Item item = synthesis.next(POLL);
                if (item == null) {
                    // The synthesis enforces the providers' time limits; this only guards against a stuck thread.
                    if (System.nanoTime() - lastItem > options.ttsTimeout().multipliedBy(3).toNanos()) {
                        failure = new VoiceProviderException(tts.name(), VoiceStep.TTS, "its synthesis stopped answering", null);
                        break;
                    }
                    continue;
                }
                lastItem = System.nanoTime();
                if (item instanceof SpeechSynthesis.Frame frame) {
                    track.write(frame.samples(), SpeechSynthesis.OUTPUT_RATE, 1);
                    written[0]++;
                    speech.produced(written[0]);
                } else if (item instanceof SpeechSynthesis.SentenceStart start) {
                    speech.sentenceStarted(start.text(), written[0]);
                } else if (item instanceof SpeechSynthesis.SentenceEnd) {
                    speech.sentenceEnded(written[0]);
                } else if (item instanceof SpeechSynthesis.Failed failed) {
                    failure = failed.error();
                    break;
                } else if (item instanceof SpeechSynthesis.End) {
                    complete = true;
                    break;
                }
            }
            // Let what is queued play out, keeping the transcript in step, unless interrupted: after
            // a failure too, so that a stalled second sentence does not cut the first one short.
            while ((complete || failure != null) && !speech.isInterrupted()) {
                if (paused) {
                    holdWhilePaused(speech, written);
                    continue;
                }
                if (track.awaitDrained(SYNC_EVERY)) {
                    // A pause may just have taken the queue: only done when nothing was taken.
                    synchronized (pauseLock) {
                        if (!paused && pausedFrames.isEmpty()) {
                            break;
                        }
                    }
                }
                sync(speech, transcript);
            }
        } finally {
            if (speech.isInterrupted()) {
                track.clear();
            }
            long sent = track.framesSent();
            long first = speech.firstFrame();
            long played = first < 0 ? 0 : Math.max(0, Math.min(sent, written[0]) - first);
            boolean whole = complete && !speech.isInterrupted() && failure == null;
            String heard = whole ? speech.heardAt(Long.MAX_VALUE) : speech.heardAt(sent);
            speech.finish(heard, Duration.ofMillis(10 * played), failure);
            transcript.finish(heard);
            if (played > 0) {
                events.accept(new VoiceEvent.AgentSpeechEnded(Instant.now(), speech.text(), heard, speech.isInterrupted(),
                        Duration.ofMillis(10 * played), failure != null));
            }
            if (failure != null) {
                providerFailed.accept(failure);
            }
        }
    }

    /**
     * While paused nothing is written; frames the pause raced with are taken back too. On resume,
     * the kept frames go back on the track first.
     */
    private void holdWhilePaused(QueuedSpeech speech, long[] written) throws InterruptedException {
        synchronized (pauseLock) {
            pausedFrames.addAll(track.takeQueued());
            while (paused && !speech.isInterrupted() && !closed) {
                pauseLock.wait(POLL.toMillis());
            }
        }
        // The kept frames were counted as written; they were not sent, so they are written again now.
        written[0] -= pausedFrames.size();
        if (speech.isInterrupted()) {
            pausedFrames.clear();
            return;
        }
        short[] frame;
        while ((frame = pausedFrames.pollFirst()) != null && !speech.isInterrupted()) {
            track.write(frame, SpeechSynthesis.OUTPUT_RATE, 1);
            written[0]++;
        }
    }

    /**
     * Brings the state and the transcript up to what has been sent so far: audible while frames
     * of this speech keep leaving, not audible once they stopped for {@link #AUDIBLE_GAP}.
     */
    private void sync(QueuedSpeech speech, AgentTranscript transcript) {
        long first = speech.firstFrame();
        long sent = track.framesSent();
        if (first < 0 || sent <= first) {
            return;
        }
        long now = System.nanoTime();
        if (sent != lastSent) {
            lastSent = sent;
            lastAdvanceNanos = now;
        }
        boolean flowing = now - lastAdvanceNanos < AUDIBLE_GAP.toNanos();
        if (!started) {
            started = true;
            // The first frame left (sent - first) ticks of 10 ms ago.
            speech.firstAudioSent(Instant.now().minusMillis(10 * (sent - first - 1)));
            events.accept(new VoiceEvent.AgentSpeechStarted(Instant.now(), speech.text()));
        }
        if (flowing != audible) {
            audible = flowing;
            stateChanged.run();
        }
        transcript.update(speech.heardAt(sent));
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        interruptAll();
    }

    /**
     * The agent's words as one transcript segment on {@code lk.transcription}: opened with the
     * first word heard, written as words are heard, closed final with what was heard in the end.
     */
    private final class AgentTranscript {

        private TextStreamWriter writer;
        private String written = "";
        private boolean broken;

        void update(String heard) {
            if (!options.transcripts() || broken || heard.length() <= written.length() || !heard.startsWith(written)) {
                return;
            }
            try {
                if (writer == null) {
                    writer = room.streamTranscript(track.sid());
                }
                writer.write(heard.substring(written.length()));
                written = heard;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                broken = true;
            } catch (Exception e) {
                broken = true;
                log.debug("Voice of {}: the agent transcript was not sent: {}", label, e.getMessage());
            }
        }

        void finish(String heard) {
            boolean wasInterrupted = Thread.interrupted();
            try {
                update(heard);
                if (writer != null && !broken) {
                    writer.close();
                }
            } catch (Exception e) {
                log.debug("Voice of {}: the agent transcript was not closed: {}", label, e.getMessage());
            } finally {
                if (wasInterrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
