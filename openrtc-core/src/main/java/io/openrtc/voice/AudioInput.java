package io.openrtc.voice;

import dev.onvoid.webrtc.media.audio.AudioProcessingConfig;
import io.openrtc.observe.SessionMdc;
import io.openrtc.rtc.AudioFrame;
import io.openrtc.rtc.AudioFrameStream;
import io.openrtc.rtc.Participant;
import io.openrtc.rtc.ParticipantKind;
import io.openrtc.rtc.PcmResampler;
import io.openrtc.rtc.RemoteAudioTrack;
import io.openrtc.rtc.Room;
import io.openrtc.rtc.RoomClosedException;
import io.openrtc.rtc.TrackSource;
import io.openrtc.voice.audio.NoiseSuppressor;
import io.openrtc.voice.stt.StreamingSpeechToText;
import io.openrtc.voice.vad.SileroModel;
import io.openrtc.voice.vad.SileroVad;
import io.openrtc.voice.vad.VadEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening half's audio path, on one virtual thread: it picks the participant to listen to,
 * waits for their microphone, and for every 10 ms frame mixes to mono, resamples to 16 kHz with
 * WebRTC's resampler, optionally suppresses noise, and runs voice activity detection, whose
 * events go to the turn assembly (and to any other VAD listener, such as interruption handling).
 * A live speech-to-text stream, when the provider is one, gets the same 16 kHz audio.
 *
 * <p>The participant: the one the job names, else the first standard (or SIP) participant that
 * joined; it stays linked until {@link #link} names another. When its track ends (unpublished,
 * muted for good, rejoined) the thread waits for the next one of the same participant.
 */
final class AudioInput implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AudioInput.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration STATS_EVERY = Duration.ofSeconds(2);
    /** One Opus packet: the audio of a received frame began this long before its packet was complete. */
    private static final Duration PACKETIZATION = Duration.ofMillis(20);

    private final Room room;
    private final VoiceOptions options;
    private final SileroModel model;
    private final UserTurns turns;
    private final StreamingSpeechToText streaming;
    private final Consumer<VoiceEvent> events;
    private final Consumer<VoiceProviderException> providerFailed;
    private final String label;
    private final List<Consumer<VadEvent>> vadListeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile String linkedIdentity;
    private volatile String linkedTrackSid = "";
    private volatile boolean relink;
    private volatile boolean closed;

    AudioInput(Room room, String dispatchedIdentity, VoiceOptions options, SileroModel model, UserTurns turns,
            StreamingSpeechToText streaming, Consumer<VoiceEvent> events, Consumer<VoiceProviderException> providerFailed,
            String label) {
        this.room = room;
        this.options = options;
        this.model = model;
        this.turns = turns;
        this.streaming = streaming;
        this.events = events;
        this.providerFailed = providerFailed;
        this.label = label;
        this.linkedIdentity = dispatchedIdentity == null || dispatchedIdentity.isEmpty() ? null : dispatchedIdentity;
        this.thread = Thread.ofVirtual().name("openrtc-voice-in-" + label).unstarted(SessionMdc.propagate(this::run));
    }

    void start() {
        thread.start();
    }

    /** Also hands every VAD event to {@code listener} (on the input thread; it must be quick). */
    void addVadListener(Consumer<VadEvent> listener) {
        vadListeners.add(listener);
    }

    Optional<String> linkedParticipant() {
        return Optional.ofNullable(linkedIdentity);
    }

    String linkedTrackSid() {
        return linkedTrackSid;
    }

    void link(String identity) {
        Objects.requireNonNull(identity, "identity");
        if (!identity.equals(linkedIdentity)) {
            linkedIdentity = identity;
            relink = true;
        }
    }

    private void run() {
        try {
            while (!closed) {
                String who = linkedIdentity != null ? linkedIdentity : firstEligibleParticipant();
                if (who == null) {
                    if (room.awaitAudioTrack(track -> isEligible(track.participantIdentity()), POLL).isEmpty() && room.isClosed()) {
                        return;
                    }
                    continue;
                }
                linkedIdentity = who;
                relink = false;
                Optional<RemoteAudioTrack> track = room.awaitAudioTrack(t -> t.participantIdentity().equals(who), POLL)
                        .map(found -> preferMicrophone(who, found));
                if (track.isEmpty()) {
                    if (room.isClosed()) {
                        return;
                    }
                    continue;
                }
                listen(track.get());
            }
        } catch (InterruptedException | RoomClosedException e) {
            // the session ended
        } catch (RuntimeException e) {
            log.error("Voice of {}: the audio input stopped", label, e);
        }
    }

    private void listen(RemoteAudioTrack track) throws InterruptedException {
        linkedTrackSid = track.sid();
        turns.linked(track.participantIdentity(), track.sid());
        events.accept(new VoiceEvent.ParticipantLinked(Instant.now(), track.participantIdentity(), track.sid()));
        log.info("Voice of {}: listening to {} ({})", label, track.participantIdentity(), track.sid());
        SileroVad vad = new SileroVad(model, options.vad());
        StreamingSpeechToText.RecognitionStream recognition = openRecognition();
        Frames16k frames = new Frames16k(options.noiseSuppression());
        Consumer<VadEvent> onVad = event -> {
            turns.onVad(event);
            for (Consumer<VadEvent> listener : vadListeners) {
                listener.accept(event);
            }
            if (event instanceof VadEvent.SpeechEnded && recognition != null) {
                recognition.endOfSpeech();
            }
        };
        ReceiveDelay delay = new ReceiveDelay(track);
        try (AudioFrameStream stream = track.openStream()) {
            while (!closed && !relink) {
                AudioFrame frame = stream.read(POLL);
                delay.refresh();
                if (frame == null) {
                    if (stream.isEnded()) {
                        return;
                    }
                    continue;
                }
                // When the caller spoke it: the frame's arrival less the time it spent in the jitter buffer and its packet.
                Instant received = Instant.ofEpochMilli(frame.timestampMillis()).minus(delay.current());
                frames.convert(frame, (samples, offset, length) -> {
                    vad.push(samples, offset, length, received, onVad);
                    if (recognition != null) {
                        recognition.push(samples, offset, length);
                    }
                });
            }
        } finally {
            frames.close();
            vad.close();
            if (recognition != null) {
                recognition.close();
            }
            linkedTrackSid = "";
        }
    }

    private StreamingSpeechToText.RecognitionStream openRecognition() {
        if (streaming == null) {
            return null;
        }
        try {
            return streaming.open(turns.streamingListener());
        } catch (Exception e) {
            providerFailed.accept(new VoiceProviderException(streaming.name(), VoiceStep.STT,
                    "could not open a recognition stream: " + VoiceProviderException.describe(e), e));
            return null;
        }
    }

    private String firstEligibleParticipant() {
        for (Participant participant : room.remoteParticipants()) {
            if (isEligible(participant)) {
                return participant.identity();
            }
        }
        return null;
    }

    private boolean isEligible(String identity) {
        return room.remoteParticipant(identity).map(AudioInput::isEligible).orElse(false);
    }

    private static boolean isEligible(Participant participant) {
        return participant.kind() == ParticipantKind.STANDARD || participant.kind() == ParticipantKind.SIP;
    }

    /** Of the participant's subscribed audio tracks, its microphone if it has one. */
    private RemoteAudioTrack preferMicrophone(String identity, RemoteAudioTrack found) {
        return room.audioTracks().stream()
                .filter(t -> t.participantIdentity().equals(identity) && t.publication().source() == TrackSource.MICROPHONE)
                .findFirst().orElse(found);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }

    /**
     * How long received audio was on its way from the caller's microphone: WebRTC's measured
     * jitter-buffer delay plus one packet, refreshed every few seconds without ever blocking the
     * audio path. Speech boundaries and timings are dated by it.
     */
    private static final class ReceiveDelay {
        private final RemoteAudioTrack track;
        private volatile Duration current = PACKETIZATION;
        private long nextRefresh;
        private volatile boolean asking;

        ReceiveDelay(RemoteAudioTrack track) {
            this.track = track;
            this.nextRefresh = System.nanoTime() + Duration.ofMillis(500).toNanos();
        }

        Duration current() {
            return current;
        }

        void refresh() {
            long now = System.nanoTime();
            if (asking || now < nextRefresh) {
                return;
            }
            asking = true;
            nextRefresh = now + STATS_EVERY.toNanos();
            track.receiveStats().whenComplete((stats, error) -> {
                if (stats != null && stats.packetsReceived() > 0) {
                    current = stats.jitterBufferDelay().plus(PACKETIZATION);
                }
                asking = false;
            });
        }
    }

    /** Mono, 16 kHz, optionally noise-suppressed 10 ms blocks from frames of any format. */
    private static final class Frames16k implements AutoCloseable {

        private final boolean suppressNoise;
        private PcmResampler resampler;
        private NoiseSuppressor suppressor;
        private short[] mono = new short[0];
        private final short[] block = new short[SileroModel.SAMPLE_RATE / 100];
        private int blockFill;

        Frames16k(boolean suppressNoise) {
            this.suppressNoise = suppressNoise;
        }

        void convert(AudioFrame frame, PcmResampler.Output out) {
            int n = frame.samplesPerChannel();
            short[] input = frame.samples();
            if (frame.channels() == 2) {
                if (mono.length < n) {
                    mono = new short[n];
                }
                for (int i = 0; i < n; i++) {
                    mono[i] = (short) ((input[2 * i] + input[2 * i + 1]) / 2);
                }
                input = mono;
            }
            if (resampler == null || resampler.inputRate() != frame.sampleRate()) {
                if (resampler != null) {
                    resampler.close();
                }
                resampler = new PcmResampler(frame.sampleRate(), SileroModel.SAMPLE_RATE);
            }
            if (!suppressNoise) {
                resampler.process(input, 0, n, out);
                return;
            }
            if (suppressor == null) {
                suppressor = new NoiseSuppressor(SileroModel.SAMPLE_RATE, AudioProcessingConfig.NoiseSuppression.Level.HIGH);
            }
            resampler.process(input, 0, n, (samples, offset, length) -> {
                for (int i = 0; i < length; i++) {
                    block[blockFill++] = samples[offset + i];
                    if (blockFill == block.length) {
                        suppressor.process(block, 0);
                        out.accept(block, 0, block.length);
                        blockFill = 0;
                    }
                }
            });
        }

        @Override
        public void close() {
            if (resampler != null) {
                resampler.close();
            }
            if (suppressor != null) {
                suppressor.close();
            }
        }
    }
}
