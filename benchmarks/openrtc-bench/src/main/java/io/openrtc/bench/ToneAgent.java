package io.openrtc.bench;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentSession;
import io.openrtc.rtc.AudioReceiveStats;
import io.openrtc.rtc.LocalAudioTrack;
import io.openrtc.rtc.Room;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark's agent, the same work as the Python peers' ({@code benchmarks/peers/tone_session.py}):
 * publish a tone and decode the caller's audio until the room closes. In dispatch mode it returns
 * at once: the session has joined its room and been reported running, which is what that
 * benchmark times.
 *
 * <p>The tone goes out through {@link Room#publishAudio}: this thread writes 10 ms slices and
 * blocks whenever the track's queue is full, so the runtime's pacer sets the real-time rate. The
 * caller's audio is read on a second virtual thread ({@link CallerAudio}). When the session ends
 * the agent appends what it sent and heard to the events file ({@code "event":"agent-audio"}),
 * so the harness can check that every JVM session really decoded and published audio.
 */
public final class ToneAgent implements Agent {

    private static final Logger log = LoggerFactory.getLogger(ToneAgent.class);

    private final BenchSettings settings;
    private final EventsFile events;
    private final short[] tone;
    private final MeasureWindow window;

    /** @param events where to report each session's audio, or null */
    public ToneAgent(BenchSettings settings, EventsFile events) {
        this.settings = settings;
        this.events = events;
        this.tone = ToneSamples.oneSecond(settings.toneHz());
        this.window = settings.windowFile().map(MeasureWindow::watching).orElse(MeasureWindow.NONE);
    }

    @Override
    public void run(AgentSession session) throws Exception {
        if (settings.mode() == BenchSettings.Mode.DISPATCH) {
            return;
        }
        Room room = session.room();
        LocalAudioTrack track = room.publishAudio("agent-tone");
        CallerAudio heard = new CallerAudio(room, window);
        Thread listener = Thread.ofVirtual().name("bench-caller-audio-" + session.job().jobId()).start(heard);
        long start = System.nanoTime();
        try {
            int offset = 0;
            while (!session.isEnding()) {
                track.write(tone, offset, ToneSamples.FRAME_SAMPLES, ToneSamples.SAMPLE_RATE, 1);
                offset = (offset + ToneSamples.FRAME_SAMPLES) % tone.length;
            }
        } finally {
            // Ends with the room: write() throws, or the interrupt that closing the room sends.
            // That interrupt may still be pending here; it must not cut the report short.
            double seconds = (System.nanoTime() - start) / 1e9;
            listener.interrupt();
            boolean interrupted = Thread.interrupted();
            try {
                listener.join(2_000);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            try {
                report(session, track, heard, seconds);
            } catch (RuntimeException e) {
                log.warn("could not report the audio of room '{}'", session.roomName(), e);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void report(AgentSession session, LocalAudioTrack track, CallerAudio heard, double seconds) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "agent-audio");
        line.put("runtime", settings.runtimeName());
        line.put("room", session.roomName());
        line.put("jobId", session.job().jobId());
        line.put("pid", ProcessHandle.current().pid());
        line.put("sessionSeconds", round(seconds));
        line.put("sentFrames", track.framesSent());
        line.put("sentUnderruns", track.underruns());
        line.put("receivedFrames", heard.frames());
        line.put("receivedSeconds", round(heard.seconds()));
        line.put("receivedPerSecond", round(heard.framesPerSecond()));
        line.put("receivedDropped", heard.dropped());
        line.put("receivedTracks", heard.tracks());
        line.put("receivedHz", Math.round(heard.pitchHz()));
        line.put("receivedRms", Math.round(heard.rms()));
        line.put("receivedSilentFrames", heard.whole().silentFrames());
        line.put("receivedMaxGapMs", round(heard.whole().maxGapMillis()));
        if (heard.measureWindow().phase() != MeasureWindow.Phase.BEFORE) {
            line.put("window", windowReport(heard));
        }
        log.info("room '{}': sent {} frames ({} underruns) in {} s; heard {} frames at {}/s, {} Hz, rms {}",
                session.roomName(), track.framesSent(), track.underruns(), String.format(Locale.ROOT, "%.1f", seconds),
                heard.frames(), String.format(Locale.ROOT, "%.1f", heard.framesPerSecond()), Math.round(heard.pitchHz()),
                Math.round(heard.rms()));
        if (events != null) {
            events.append(line);
        }
    }

    /**
     * What the session heard inside the benchmark's measuring window, and WebRTC's own figures
     * of the caller's track over it: concealed samples are audio WebRTC made up because packets
     * were missing or late (so a low pitch or level with many concealed is lost audio, without
     * any it is the measurement). The jitter buffer's delay is WebRTC's average since the track
     * was subscribed, at either edge.
     */
    private static Map<String, Object> windowReport(CallerAudio heard) {
        MeasureWindow window = heard.measureWindow();
        CallerAudio.Tally tally = heard.window();
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("startMs", window.startEpochMillis());
        line.put("endMs", window.phase() == MeasureWindow.Phase.CLOSED ? window.endEpochMillis() : null);
        line.put("trackAtStart", heard.trackAtWindowStart());
        line.put("frames", tally.frames());
        // The rate between the window's first and last frame: the edges this JVM saw come up to
        // a poll (100 ms) after the harness announced them, which over a short window is percents.
        line.put("perSecond", round(tally.framesPerSecond()));
        line.put("seconds", round(tally.seconds()));
        line.put("hz", Math.round(tally.pitchHz()));
        line.put("rms", Math.round(tally.rms()));
        line.put("silentFrames", tally.silentFrames());
        line.put("maxGapMs", round(tally.maxGapMillis()));
        Optional<AudioReceiveStats> start = heard.statsAtWindowStart();
        Optional<AudioReceiveStats> end = heard.statsAtWindowEnd();
        if (start.isPresent() && end.isPresent() && end.get().totalSamplesReceived() > 0) {
            AudioReceiveStats a = start.get();
            AudioReceiveStats b = end.get();
            long samples = b.totalSamplesReceived() - a.totalSamplesReceived();
            long concealed = b.concealedSamples() - a.concealedSamples();
            line.put("samplesReceived", samples);
            line.put("concealedSamples", concealed);
            line.put("concealedShare", samples > 0 ? Math.round(1e4 * concealed / samples) / 1e4 : null);
            line.put("packetsReceived", b.packetsReceived() - a.packetsReceived());
            line.put("packetsLost", b.packetsLost() - a.packetsLost());
            line.put("jitterMs", round(b.jitter().toNanos() / 1e6));
            line.put("jitterBufferDelayMsAtStart", round(a.jitterBufferDelay().toNanos() / 1e6));
            line.put("jitterBufferDelayMsAtEnd", round(b.jitterBufferDelay().toNanos() / 1e6));
            line.put("sinceSubscribed", Map.of("samplesReceived", b.totalSamplesReceived(),
                    "concealedSamples", b.concealedSamples(), "packetsReceived", b.packetsReceived(),
                    "packetsLost", b.packetsLost()));
        } else {
            line.put("receiveStats", start.isEmpty() ? "none at the window's start" : "none at the window's end");
        }
        return line;
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
