package io.openrtc.spring.ai;

import io.openrtc.agent.AgentSession;
import io.openrtc.rtc.AgentState;
import io.openrtc.rtc.LocalAudioTrack;
import io.openrtc.voice.TurnDropReason;
import io.openrtc.voice.Voice;
import io.openrtc.voice.VoiceEvent;
import io.openrtc.voice.llm.ChatItem;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches one voice session from inside the agent's JVM and checks the four invariants of a
 * conversation that never gets stuck (docs/voice.md):
 *
 * <ol>
 *   <li>State matches audio: never {@code speaking} for more than 500 ms while no agent frame
 *       leaves the track, and never 300 ms of agent audio sent while not {@code speaking}
 *       (sampled every 20 ms from the state and the track's frame counter);</li>
 *   <li>every final transcript ends in a committed turn or a drop, and every committed turn in an
 *       answer or a drop;</li>
 *   <li>no state but {@code listening} lasts longer than {@link #STUCK};</li>
 *   <li>the history is truthful: the user's items are the committed turns, in order; the agent's
 *       are what it said (a word-prefix of something it was scripted to say), in time order.</li>
 * </ol>
 *
 * Violations are collected, not thrown, so a test can print all of them with its seed.
 */
final class InvariantMonitor implements AutoCloseable {

    /** A non-listening state lasting longer than this counts as stuck. */
    static final Duration STUCK = Duration.ofSeconds(45);
    private static final long SPEAKING_SILENCE_LIMIT_MS = 500 + 60; // the invariant's 500 ms, plus three samples
    private static final long AUDIO_WHILE_NOT_SPEAKING_FRAMES = 30;
    private static final Map<String, InvariantMonitor> BY_JOB = new ConcurrentHashMap<>();

    /** One broken invariant. */
    record Violation(Instant at, int invariant, String what) {
        @Override
        public String toString() {
            return "invariant " + invariant + " at " + at + ": " + what;
        }
    }

    private final String jobId;
    private final Voice voice;
    private final LocalAudioTrack track;
    private final Collection<String> utterances;
    private final ScheduledExecutorService sampler;
    private final List<VoiceEvent> events = new CopyOnWriteArrayList<>();
    private final List<Violation> violations = new CopyOnWriteArrayList<>();
    private final AutoCloseable listener;

    // Sampler state (sampler thread only).
    private long lastFrames = -1;
    private long lastFrameAt = System.nanoTime();
    private long framesWhenNotSpeaking = -1;
    private AgentState lastState = AgentState.LISTENING;
    private long stateSince = System.nanoTime();
    private long longestSpeakingSilenceMs;
    private boolean silenceReported;

    private InvariantMonitor(AgentSession session, Collection<String> utterances) {
        this.jobId = session.job().jobId();
        this.voice = session.voice();
        this.track = session.room().localAudioTracks().getFirst();
        this.utterances = utterances;
        this.listener = voice.addListener(events::add);
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "invariant-sampler-" + jobId);
            thread.setDaemon(true);
            return thread;
        });
        sampler.scheduleAtFixedRate(this::sample, 20, 20, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts watching {@code session}'s voice (its audio track must be published).
     *
     * @param utterances everything the agent may say (replies, greeting, apology): its history
     *                   items must be word-prefixes of one of them
     */
    static InvariantMonitor attach(AgentSession session, Collection<String> utterances) {
        InvariantMonitor monitor = new InvariantMonitor(session, utterances);
        BY_JOB.put(monitor.jobId, monitor);
        return monitor;
    }

    /** The monitor of {@code jobId}'s session, once its agent attached one. */
    static InvariantMonitor of(String jobId) {
        return BY_JOB.get(jobId);
    }

    List<Violation> violations() {
        return List.copyOf(violations);
    }

    List<VoiceEvent> events() {
        return List.copyOf(events);
    }

    /** The first event of {@code type} at or after {@code since} that matches, waiting at most {@code timeout}. */
    <T extends VoiceEvent> T await(Class<T> type, Instant since, java.util.function.Predicate<T> match, Duration timeout) {
        return org.awaitility.Awaitility.await().atMost(timeout).until(() -> events.stream().filter(type::isInstance)
                .map(type::cast).filter(e -> !e.at().isBefore(since) && match.test(e)).findFirst(),
                java.util.Optional::isPresent).orElseThrow();
    }

    /** The events of {@code type} at or after {@code since}. */
    <T extends VoiceEvent> List<T> since(Class<T> type, Instant since) {
        return events.stream().filter(type::isInstance).map(type::cast).filter(e -> !e.at().isBefore(since)).toList();
    }

    long count(Class<? extends VoiceEvent> type) {
        return events.stream().filter(type::isInstance).count();
    }

    /** The longest time the state said speaking while no frame left, in ms. */
    long longestSpeakingSilenceMs() {
        return longestSpeakingSilenceMs;
    }

    /** Whether the agent is listening, with no reply under way nor speech playing. */
    boolean isQuiet() {
        return voice.state() == AgentState.LISTENING && !voice.isSpeaking();
    }

    private void sample() {
        try {
            long now = System.nanoTime();
            long frames = track.framesSent();
            AgentState state = voice.state();
            if (frames != lastFrames) {
                lastFrames = frames;
                lastFrameAt = now;
                silenceReported = false;
            }
            if (state != lastState) {
                lastState = state;
                stateSince = now;
                silenceReported = false;
            }
            if (state == AgentState.SPEAKING) {
                // Silent since the last frame or since speaking began, whichever is later: a resumed
                // answer starts its own 500 ms, not the pause before it.
                long silentMs = (now - Math.max(lastFrameAt, stateSince)) / 1_000_000;
                longestSpeakingSilenceMs = Math.max(longestSpeakingSilenceMs, silentMs);
                if (silentMs > SPEAKING_SILENCE_LIMIT_MS && !silenceReported) {
                    silenceReported = true;
                    violate(1, "speaking while no agent audio left for " + silentMs + " ms");
                }
                framesWhenNotSpeaking = -1;
            } else {
                if (framesWhenNotSpeaking < 0) {
                    framesWhenNotSpeaking = frames;
                } else if (frames - framesWhenNotSpeaking > AUDIO_WHILE_NOT_SPEAKING_FRAMES) {
                    violate(1, (frames - framesWhenNotSpeaking) * 10 + " ms of agent audio sent while " + state.wireValue());
                    framesWhenNotSpeaking = frames;
                }
            }
            if (state != AgentState.LISTENING && now - stateSince > STUCK.toNanos()) {
                violate(3, "stuck in " + state.wireValue() + " for " + (now - stateSince) / 1_000_000 + " ms");
                stateSince = now;
            }
        } catch (RuntimeException e) {
            violate(1, "sampling failed: " + e);
        }
    }

    /**
     * Checks invariants 2 and 4 on everything older than {@code settled}: words and turns that
     * old must have reached their end.
     */
    void checkSettled(Duration settled) {
        Instant cutoff = Instant.now().minus(settled);
        List<VoiceEvent> seen = events();
        unsettled(seen, cutoff).forEach((key, what) -> {
            if (!reported(key)) {
                violate(2, what);
            }
        });
        checkHistory(ofType(seen, VoiceEvent.UserTurnCommitted.class), ofType(seen, VoiceEvent.UserTurnDropped.class));
    }

    /**
     * Whether every transcript and turn so far has reached its end; unlike {@link #checkSettled}
     * it records nothing, so a test can wait on it while the last answer is still under way.
     */
    boolean isSettled() {
        return unsettled(events(), Instant.now()).isEmpty();
    }

    /** The transcripts and turns older than {@code cutoff} that have not ended, keyed by what names them. */
    private static Map<String, String> unsettled(List<VoiceEvent> seen, Instant cutoff) {
        List<VoiceEvent.UserTurnCommitted> committed = ofType(seen, VoiceEvent.UserTurnCommitted.class);
        List<VoiceEvent.UserTurnAnswered> answered = ofType(seen, VoiceEvent.UserTurnAnswered.class);
        List<VoiceEvent.UserTurnDropped> dropped = ofType(seen, VoiceEvent.UserTurnDropped.class);
        Map<String, String> open = new java.util.LinkedHashMap<>();
        for (VoiceEvent.UserTranscribed words : ofType(seen, VoiceEvent.UserTranscribed.class)) {
            if (!words.isFinal() || words.at().isAfter(cutoff)) {
                continue;
            }
            boolean ended = committed.stream().anyMatch(c -> c.turn().text().contains(words.text()))
                    || dropped.stream().anyMatch(d -> d.text().contains(words.text()));
            if (!ended) {
                String key = "transcript " + words.at();
                open.put(key, key + " \"" + words.text() + "\" made no turn and was not dropped");
            }
        }
        for (VoiceEvent.UserTurnCommitted turn : committed) {
            if (turn.at().isAfter(cutoff)) {
                continue;
            }
            String text = turn.turn().text();
            boolean ended = answered.stream().anyMatch(a -> a.turn().text().contains(text))
                    || dropped.stream().anyMatch(d -> d.text().contains(text) && d.reason() != TurnDropReason.BACKCHANNEL);
            if (!ended) {
                String key = "turn " + turn.at();
                open.put(key, key + " \"" + text + "\" was neither answered nor dropped");
            }
        }
        return open;
    }

    private void checkHistory(List<VoiceEvent.UserTurnCommitted> committed, List<VoiceEvent.UserTurnDropped> dropped) {
        List<ChatItem> history = voice.history();
        Instant previous = Instant.MIN;
        int next = 0;
        List<String> turns = new ArrayList<>();
        committed.forEach(c -> turns.add(c.turn().text()));
        for (ChatItem item : history) {
            Instant at = at(item);
            if (at.isBefore(previous)) {
                violate(4, "history out of order at " + item);
            }
            previous = at;
            if (item instanceof ChatItem.User user) {
                // A user item is one committed turn, or several that waited for one answer.
                int found = -1;
                for (int i = next; i < turns.size(); i++) {
                    if (user.text().endsWith(turns.get(i))) {
                        found = i;
                        break;
                    }
                }
                if (found < 0) {
                    violate(4, "history says the user said \"" + user.text() + "\", which is no committed turn (in order)");
                } else {
                    next = found + 1;
                }
            } else if (item instanceof ChatItem.Assistant said && said.toolCalls().isEmpty() && !said.text().isBlank()
                    && utterances.stream().noneMatch(u -> isWordPrefix(said.text(), u))) {
                violate(4, "history says the agent said \"" + said.text() + "\", which it was never given to say");
            }
        }
    }

    private boolean reported(String key) {
        return violations.stream().anyMatch(v -> v.what().startsWith(key));
    }

    private void violate(int invariant, String what) {
        violations.add(new Violation(Instant.now(), invariant, what));
    }

    static boolean isWordPrefix(String said, String full) {
        List<String> a = words(said);
        List<String> b = words(full);
        return a.size() <= b.size() && b.subList(0, a.size()).equals(a);
    }

    private static List<String> words(String text) {
        return List.of(text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9' ]", " ").trim().split("\\s+"));
    }

    private static Instant at(ChatItem item) {
        return switch (item) {
            case ChatItem.Instructions i -> i.at();
            case ChatItem.User u -> u.at();
            case ChatItem.Assistant a -> a.at();
            case ChatItem.ToolResult r -> r.at();
            case ChatItem.Handoff h -> h.at();
        };
    }

    private static <T> List<T> ofType(List<VoiceEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        try {
            listener.close();
        } catch (Exception e) {
            // the voice is closing anyway
        }
    }
}
