package io.openrtc.voice;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The {@link SpeechHandle} of one thing to say, and the record the playout keeps of it: the
 * sentences it was cut into, where each sentence's audio lies in the track's frame sequence, and
 * how it ended.
 */
final class QueuedSpeech implements SpeechHandle {

    /** One sentence and the frames (in the track's written-frame numbering) its audio occupies. */
    static final class Sentence {
        final String text;
        final long firstFrame;
        long endFrame = -1; // exclusive; -1 while its audio is still coming

        Sentence(String text, long firstFrame) {
            this.text = text;
            this.firstFrame = firstFrame;
        }
    }

    private final StringBuilder text = new StringBuilder();
    private final SpeechText source;
    private final io.openrtc.voice.tts.TextToSpeech tts;
    private final boolean streamed;
    private final boolean allowInterruptions;
    private final Runnable onInterrupt;
    private final CountDownLatch done = new CountDownLatch(1);

    // Guarded by this.
    private final List<Sentence> sentences = new ArrayList<>();
    private boolean interrupted;
    private boolean finished;
    private String spokenText = "";
    private Duration playedAudio = Duration.ZERO;
    private VoiceProviderException failure;

    QueuedSpeech(String text, boolean allowInterruptions, Runnable onInterrupt) {
        this(SpeechText.of(Objects.requireNonNull(text, "text")), null, allowInterruptions, onInterrupt, false);
        this.text.append(text);
    }

    /**
     * A speech whose words come from {@code source} as it is synthesised.
     *
     * @param tts the text-to-speech to say it with, or null for the playout's own
     */
    QueuedSpeech(SpeechText source, io.openrtc.voice.tts.TextToSpeech tts, boolean allowInterruptions, Runnable onInterrupt) {
        this(source, tts, allowInterruptions, onInterrupt, true);
    }

    private QueuedSpeech(SpeechText source, io.openrtc.voice.tts.TextToSpeech tts, boolean allowInterruptions,
            Runnable onInterrupt, boolean streamed) {
        this.streamed = streamed;
        this.source = Objects.requireNonNull(source, "source");
        this.tts = tts;
        this.allowInterruptions = allowInterruptions;
        this.onInterrupt = onInterrupt;
    }

    /** The text so far (for a streamed speech, it grows as the model writes). */
    @Override
    public synchronized String text() {
        return text.toString();
    }

    SpeechText source() {
        return source;
    }

    io.openrtc.voice.tts.TextToSpeech tts() {
        return tts;
    }

    /** More of a streamed speech's text arrived (a fixed text is known from the start). */
    synchronized void appendText(String piece) {
        if (streamed) {
            text.append(piece);
        }
    }

    @Override
    public boolean allowsInterruptions() {
        return allowInterruptions;
    }

    @Override
    public boolean isDone() {
        return done.getCount() == 0;
    }

    @Override
    public synchronized boolean isInterrupted() {
        return interrupted;
    }

    @Override
    public synchronized String spokenText() {
        return spokenText;
    }

    @Override
    public synchronized Duration playedAudio() {
        return playedAudio;
    }

    @Override
    public synchronized Optional<VoiceProviderException> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public void interrupt() {
        synchronized (this) {
            if (finished || interrupted) {
                return;
            }
            interrupted = true;
        }
        onInterrupt.run();
    }

    @Override
    public void await() throws InterruptedException {
        done.await();
    }

    /** Waits briefly for the speech to wrap up after an interrupt (what was heard is then known). */
    void awaitQuietly() {
        try {
            done.await(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean await(Duration timeout) throws InterruptedException {
        return done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    // ---- kept by the playout ----

    synchronized void sentenceStarted(String sentence, long firstFrame) {
        sentences.add(new Sentence(sentence, firstFrame));
    }

    synchronized void sentenceEnded(long endFrame) {
        if (!sentences.isEmpty()) {
            sentences.getLast().endFrame = endFrame;
        }
    }

    /** The first frame of its audio, or -1 before any. */
    synchronized long firstFrame() {
        return sentences.isEmpty() ? -1 : sentences.getFirst().firstFrame;
    }

    /**
     * What was heard once {@code playedFrames} frames (of the track's numbering) have been sent:
     * every sentence played whole, and of the one playing, the words in the share of its audio
     * played so far.
     */
    synchronized String heardAt(long playedFrames) {
        StringBuilder heard = new StringBuilder();
        for (Sentence sentence : sentences) {
            if (playedFrames <= sentence.firstFrame) {
                break;
            }
            boolean whole = sentence.endFrame >= 0 && playedFrames >= sentence.endFrame;
            String part;
            if (whole) {
                part = sentence.text;
            } else {
                long known = (sentence.endFrame >= 0 ? sentence.endFrame : Math.max(playedFrames, lastKnownEnd(sentence)))
                        - sentence.firstFrame;
                double share = known <= 0 ? 0 : (double) (playedFrames - sentence.firstFrame) / known;
                part = wholeWords(sentence.text, share);
            }
            if (!part.isEmpty()) {
                if (!heard.isEmpty()) {
                    heard.append(' ');
                }
                heard.append(part);
            }
            if (!whole) {
                break;
            }
        }
        return heard.toString();
    }

    /** Audio still coming in for the last sentence: count what has arrived so far as its length. */
    private long lastKnownEnd(Sentence sentence) {
        return sentence.firstFrame + Math.max(1, producedFrames - sentence.firstFrame);
    }

    private long producedFrames;
    private volatile Duration ttsFirstByte;
    private volatile java.time.Instant firstAudioAt;
    private final java.util.concurrent.atomic.AtomicLong ttsCharacters = new java.util.concurrent.atomic.AtomicLong();

    /** The synthesis of its first sentence delivered its first audio after {@code wait}. */
    void ttsFirstByte(Duration wait) {
        if (ttsFirstByte == null) {
            ttsFirstByte = wait;
        }
    }

    /** From the first sentence's synthesis request to its first audio, or null. */
    Duration ttsFirstByte() {
        return ttsFirstByte;
    }

    /** Its first audio frame was sent at {@code at}. */
    void firstAudioSent(java.time.Instant at) {
        if (firstAudioAt == null) {
            firstAudioAt = at;
        }
    }

    /** When its first audio frame was sent, or null if none was. */
    java.time.Instant firstAudioAt() {
        return firstAudioAt;
    }

    void synthesised(String sentence) {
        ttsCharacters.addAndGet(sentence.length());
    }

    /** Characters sent to text-to-speech. */
    long ttsCharacters() {
        return ttsCharacters.get();
    }

    synchronized void produced(long frames) {
        producedFrames = frames;
    }

    /** The first words of {@code sentence} that fit into {@code share} of its length. */
    static String wholeWords(String sentence, double share) {
        if (share >= 1) {
            return sentence;
        }
        int cut = (int) Math.floor(sentence.length() * Math.max(0, share));
        if (cut >= sentence.length()) {
            return sentence;
        }
        // A word counts as heard once it was reached completely: back up to the last space.
        while (cut > 0 && !Character.isWhitespace(sentence.charAt(cut))) {
            cut--;
        }
        return sentence.substring(0, cut).strip();
    }

    /** Ends the speech: records what was heard and wakes every waiter. Once only. */
    void finish(String heard, Duration played, VoiceProviderException error) {
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
            spokenText = heard;
            playedAudio = played;
            failure = error;
        }
        done.countDown();
    }

    /** Whether all sentences are known (the text ran out) and the audio of the last one is complete. */
    synchronized boolean allAudioKnown() {
        return !sentences.isEmpty() && sentences.getLast().endFrame >= 0;
    }

    @Override
    public String toString() {
        String known = text();
        return "Speech[" + (known.length() > 40 ? known.substring(0, 40) + "..." : known) + (isDone() ? ", done" : "") + "]";
    }
}
