package io.openrtc.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onvoid.webrtc.media.audio.AudioProcessingConfig;
import io.openrtc.rtc.PcmResampler;
import io.openrtc.voice.audio.NoiseSuppressor;
import io.openrtc.voice.audio.PcmAudio;
import io.openrtc.voice.audio.Wav;
import io.openrtc.voice.vad.SileroModel;
import io.openrtc.voice.vad.SileroVad;
import io.openrtc.voice.vad.VadEvent;
import io.openrtc.voice.vad.VadOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The VAD benchmark's JVM driver (issue 13; run by {@code benchmarks/run-vad.sh}): N sessions in
 * this JVM, each on its own virtual thread, each running the listening half's audio path of
 * {@code io.openrtc.voice.AudioInput} on real speech fed in real time: a 10 ms frame of 48 kHz
 * mono PCM every 10 ms, WebRTC's resampler to 16 kHz ({@link PcmResampler}), optionally WebRTC's
 * noise suppressor on each 10 ms block ({@link NoiseSuppressor}, level HIGH, what
 * {@code openrtc.voice.noise-suppression} turns on), and a {@link SileroVad} on the JVM's one
 * {@link SileroModel}, its events consumed. No LiveKit, no WebRTC connection: the frames come from
 * a WAV file, looped, each session starting at a different place in it.
 *
 * <pre>
 * java -Xmx1g --enable-native-access=ALL-UNNAMED -cp openrtc-bench.jar io.openrtc.bench.VadDensity \
 *     --audio input-48k.wav --sessions 10 [--noise-suppression true]
 * </pre>
 * loads the model, prints {@code {"event":"ready",...}} and then obeys one command per line on
 * stdin: {@code start} starts the sessions (staggered over one frame period), {@code mark} prints
 * {@code {"event":"mark",...}} with cumulative counters (frames, windows, time spent resampling,
 * suppressing noise and in the VAD, the model's own inference counters, this process's CPU time,
 * the latest a frame was handled since the previous mark, heap, direct buffers, bytes allocated
 * and GC), {@code gc} runs a full collection and prints the same as {@code {"event":"gc",...}}
 * (the heap then in use is what is live), {@code stop} ends the
 * sessions, prints {@code {"event":"result",...}} and exits. The harness samples the process
 * from {@code /proc} between marks; this class measures nothing on its own behalf but the
 * counters.
 *
 * <p>{@code --make-input clip-16k.wav pause-ms out-48k.wav} writes the benchmark's input instead:
 * the clip followed by a pause, brought to 48 kHz by WebRTC's resampler, a whole number of frames.
 */
public final class VadDensity {

    /** The rate of the frames sessions receive (what a WebRTC audio track delivers). */
    static final int INPUT_RATE = 48_000;
    /** Samples of one 10 ms frame at 48 kHz. */
    static final int FRAME_SAMPLES = INPUT_RATE / 100;
    static final long FRAME_NANOS = 10_000_000L;
    private static final int BLOCK_16K = SileroModel.SAMPLE_RATE / 100;

    private VadDensity() {
    }

    /** What one run is asked to do. */
    record Settings(Path audio, int sessions, boolean noiseSuppression) {

        Settings {
            if (sessions < 1) {
                throw new IllegalArgumentException("--sessions must be at least 1, was " + sessions);
            }
        }

        static Settings parse(String[] args) {
            Map<String, String> values = new TreeMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'; options: "
                            + "--audio FILE.wav --sessions N --noise-suppression true|false "
                            + "(or --make-input CLIP-16K.wav PAUSE-MS OUT-48K.wav)");
                }
                values.put(args[i].substring(2), args[++i]);
            }
            String audio = values.remove("audio");
            if (audio == null) {
                throw new IllegalArgumentException("--audio is required (a 48 kHz mono WAV file)");
            }
            String sessions = values.remove("sessions");
            String ns = values.remove("noise-suppression");
            if (!values.isEmpty()) {
                throw new IllegalArgumentException("unknown options " + values.keySet());
            }
            int n;
            try {
                n = sessions == null ? 1 : Integer.parseInt(sessions.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--sessions must be a whole number, was '" + sessions + "'");
            }
            if (ns != null && !ns.equals("true") && !ns.equals("false")) {
                throw new IllegalArgumentException("--noise-suppression must be true or false, was '" + ns + "'");
            }
            return new Settings(Path.of(audio), n, Boolean.parseBoolean(ns));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--make-input")) {
            if (args.length != 4) {
                System.err.println("VadDensity: --make-input CLIP-16K.wav PAUSE-MS OUT-48K.wav");
                System.exit(2);
            }
            int frames = makeInput(Path.of(args[1]), Integer.parseInt(args[2]), Path.of(args[3]));
            System.err.println("VadDensity: wrote " + args[3] + ", " + frames + " frames of 10 ms at 48 kHz");
            return;
        }
        Settings settings;
        short[] audio;
        try {
            settings = Settings.parse(args);
            audio = readInput(settings.audio());
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("VadDensity: " + e.getMessage());
            System.exit(2);
            return;
        }
        PrintStream out = System.out;
        ObjectMapper json = new ObjectMapper();
        long loadStarted = System.nanoTime();
        try (SileroModel model = SileroModel.load()) {
            // The native audio library is loaded (and its first objects made) before the idle
            // baseline, as it is in a worker that already runs WebRTC.
            boolean nativeResampler;
            try (PcmResampler resampler = new PcmResampler(INPUT_RATE, SileroModel.SAMPLE_RATE)) {
                nativeResampler = resampler.isNative();
            }
            if (settings.noiseSuppression()) {
                new NoiseSuppressor(SileroModel.SAMPLE_RATE, AudioProcessingConfig.NoiseSuppression.Level.HIGH).close();
            }
            Run run = new Run(settings, model, audio);
            Map<String, Object> ready = new LinkedHashMap<>();
            ready.put("event", "ready");
            ready.put("pid", ProcessHandle.current().pid());
            ready.put("sessions", settings.sessions());
            ready.put("noiseSuppression", settings.noiseSuppression());
            ready.put("loadMs", (System.nanoTime() - loadStarted) / 1_000_000);
            ready.put("audioFrames", audio.length / FRAME_SAMPLES);
            ready.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
            ready.put("onnxRuntime", ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion());
            ready.put("modelSha256", modelSha256());
            ready.put("resamplerNative", nativeResampler);
            emit(out, json, ready);
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = commands.readLine()) != null) {
                switch (line.strip()) {
                    case "start" -> {
                        run.start();
                        emit(out, json, Map.of("event", "started", "sessions", settings.sessions()));
                    }
                    case "mark" -> emit(out, json, run.mark("mark"));
                    case "gc" -> {
                        // A full collection, then the heap still in use: what the sessions retain.
                        System.gc();
                        emit(out, json, run.mark("gc"));
                    }
                    case "stop" -> {
                        run.stop();
                        emit(out, json, run.mark("result"));
                        return;
                    }
                    case "" -> {
                    }
                    default -> emit(out, json, Map.of("event", "error", "message", "unknown command '" + line + "'"));
                }
            }
            run.stop(); // stdin closed: the harness is gone
        }
    }

    private static void emit(PrintStream out, ObjectMapper json, Map<String, ?> event) throws IOException {
        out.println(json.writeValueAsString(event));
        out.flush();
    }

    /** The sha256 of the model file in the openrtc-core jar (the one {@link SileroModel#load()} loads). */
    static String modelSha256() throws IOException {
        try (java.io.InputStream in = SileroModel.class.getResourceAsStream("silero_vad.onnx")) {
            if (in == null) {
                return null;
            }
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the benchmark's input: 48 kHz mono, cut to a whole number of 10 ms frames. */
    static short[] readInput(Path file) throws IOException {
        PcmAudio audio = Wav.decode(Files.readAllBytes(file)).mono();
        if (audio.sampleRate() != INPUT_RATE) {
            throw new IllegalArgumentException(file + " is " + audio.sampleRate() + " Hz; the sessions' frames are 48 kHz "
                    + "(make it with --make-input)");
        }
        int frames = audio.samples().length / FRAME_SAMPLES;
        if (frames < 1) {
            throw new IllegalArgumentException(file + " holds less than one 10 ms frame");
        }
        return Arrays.copyOf(audio.samples(), frames * FRAME_SAMPLES);
    }

    /**
     * Writes the input: a 16 kHz clip, then {@code pauseMillis} of silence, brought to 48 kHz by
     * WebRTC's resampler, cut to whole 10 ms frames. Returns the number of frames.
     */
    static int makeInput(Path clip16k, int pauseMillis, Path out48k) throws IOException {
        PcmAudio clip = Wav.decode(Files.readAllBytes(clip16k)).mono();
        if (clip.sampleRate() != SileroModel.SAMPLE_RATE) {
            throw new IllegalArgumentException(clip16k + " is " + clip.sampleRate() + " Hz, not 16 kHz");
        }
        short[] withPause = Arrays.copyOf(clip.samples(), clip.samples().length + pauseMillis * SileroModel.SAMPLE_RATE / 1000);
        short[] up = new short[withPause.length * 3 + 4 * FRAME_SAMPLES];
        int[] length = {0};
        try (PcmResampler resampler = new PcmResampler(SileroModel.SAMPLE_RATE, INPUT_RATE)) {
            PcmResampler.Output collect = (samples, offset, n) -> {
                int take = Math.min(n, up.length - length[0]);
                System.arraycopy(samples, offset, up, length[0], take);
                length[0] += take;
            };
            resampler.process(withPause, 0, withPause.length, collect);
            resampler.flush(collect);
        }
        int frames = Math.min(length[0], withPause.length * 3) / FRAME_SAMPLES;
        Files.write(out48k, Wav.encode(Arrays.copyOf(up, frames * FRAME_SAMPLES), INPUT_RATE, 1));
        return frames;
    }

    /** The sessions of one run and their counters. */
    static final class Run {

        private final Settings settings;
        private final SileroModel model;
        private final short[] audio;
        private final int audioFrames;
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean running;
        private long startedNanos;

        final LongAdder frames = new LongAdder();
        final LongAdder windows = new LongAdder();
        final LongAdder speechStarted = new LongAdder();
        final LongAdder speechEnded = new LongAdder();
        final LongAdder resampleNanos = new LongAdder();
        final LongAdder noiseNanos = new LongAdder();
        final LongAdder vadNanos = new LongAdder();
        final LongAdder lateFrames = new LongAdder();
        final LongAdder failedSessions = new LongAdder();
        private final AtomicLong maxLateNanos = new AtomicLong();
        private final AtomicReference<String> firstError = new AtomicReference<>();

        Run(Settings settings, SileroModel model, short[] audio) {
            this.settings = settings;
            this.model = model;
            this.audio = audio;
            this.audioFrames = audio.length / FRAME_SAMPLES;
        }

        /** Starts every session; session i begins i/N of a frame period after the first, i/N into the audio. */
        void start() {
            if (running) {
                return;
            }
            running = true;
            int n = settings.sessions();
            startedNanos = System.nanoTime() + 20_000_000L;
            for (int i = 0; i < n; i++) {
                long first = startedNanos + i * FRAME_NANOS / n;
                int offset = (int) ((long) i * audioFrames / n);
                threads.add(Thread.ofVirtual().name("vad-session-" + i).start(() -> session(first, offset)));
            }
        }

        void stop() throws InterruptedException {
            running = false;
            for (Thread thread : threads) {
                thread.join(Duration.ofSeconds(10));
            }
        }

        /** The counters since start (cumulative): the harness subtracts one mark from the next. */
        Map<String, Object> mark(String event) {
            Map<String, Object> mark = new LinkedHashMap<>();
            mark.put("event", event);
            mark.put("tNanos", System.nanoTime());
            mark.put("processCpuNanos", processCpuNanos());
            mark.put("sessions", settings.sessions());
            mark.put("frames", frames.sum());
            mark.put("windows", windows.sum());
            mark.put("inferences", model.inferences());
            mark.put("inferenceNanos", model.inferenceNanos());
            mark.put("resampleNanos", resampleNanos.sum());
            mark.put("noiseSuppressionNanos", noiseNanos.sum());
            mark.put("vadNanos", vadNanos.sum());
            mark.put("speechStarted", speechStarted.sum());
            mark.put("speechEnded", speechEnded.sum());
            mark.put("lateFrames", lateFrames.sum());
            mark.put("maxLateMs", maxLateNanos.getAndSet(0) / 1e6);
            mark.put("failedSessions", failedSessions.sum());
            mark.put("firstError", firstError.get());
            MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            mark.put("heapUsedBytes", heap.getUsed());
            mark.put("heapCommittedBytes", heap.getCommitted());
            long gcCount = 0;
            long gcMillis = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                gcCount += Math.max(0, gc.getCollectionCount());
                gcMillis += Math.max(0, gc.getCollectionTime());
            }
            for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                if (pool.getName().equals("direct")) {
                    mark.put("directBuffers", pool.getCount());
                    mark.put("directBufferBytes", pool.getMemoryUsed());
                }
            }
            if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads) {
                mark.put("allocatedBytes", threads.getTotalThreadAllocatedBytes());
            }
            mark.put("gcCount", gcCount);
            mark.put("gcMillis", gcMillis);
            mark.put("platformThreads", Thread.activeCount());
            return mark;
        }

        private static long processCpuNanos() {
            return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                    ? os.getProcessCpuTime() : -1;
        }

        /** One session: a frame every 10 ms, resampled, optionally noise-suppressed, classified. */
        private void session(long firstFrameNanos, int firstFrame) {
            NoiseSuppressor suppressor = null;
            try (PcmResampler resampler = new PcmResampler(INPUT_RATE, SileroModel.SAMPLE_RATE)) {
                if (settings.noiseSuppression()) {
                    suppressor = new NoiseSuppressor(SileroModel.SAMPLE_RATE, AudioProcessingConfig.NoiseSuppression.Level.HIGH);
                }
                SileroVad vad = new SileroVad(model, VadOptions.DEFAULTS);
                Collected collected = new Collected();
                // What the turn assembly does with VAD events is not measured; they are counted.
                Consumer<VadEvent> onVad = event -> {
                    switch (event) {
                        case VadEvent.Window w -> windows.increment();
                        case VadEvent.SpeechStarted s -> speechStarted.increment();
                        case VadEvent.SpeechEnded e -> speechEnded.increment();
                    }
                };
                long next = firstFrameNanos;
                int frame = firstFrame;
                while (running) {
                    long wait = next - System.nanoTime();
                    while (wait > 0) {
                        LockSupport.parkNanos(wait);
                        if (!running) {
                            return;
                        }
                        wait = next - System.nanoTime();
                    }
                    if (-wait > FRAME_NANOS) {
                        lateFrames.increment();
                    }
                    long late = -wait;
                    if (late > maxLateNanos.get()) {
                        maxLateNanos.accumulateAndGet(late, Math::max);
                    }
                    // The frame "arrives" now, as a received frame is dated by its arrival.
                    Instant received = Instant.now();
                    long t0 = System.nanoTime();
                    collected.length = 0;
                    resampler.process(audio, frame * FRAME_SAMPLES, FRAME_SAMPLES, collected);
                    long t1 = System.nanoTime();
                    long t2 = t1;
                    if (suppressor != null) {
                        // 480 samples at 48 kHz come out as exactly one 10 ms block at 16 kHz.
                        for (int at = 0; at + BLOCK_16K <= collected.length; at += BLOCK_16K) {
                            suppressor.process(collected.samples, at);
                        }
                        t2 = System.nanoTime();
                    }
                    vad.push(collected.samples, 0, collected.length, received, onVad);
                    long t3 = System.nanoTime();
                    resampleNanos.add(t1 - t0);
                    if (suppressor != null) {
                        noiseNanos.add(t2 - t1);
                    }
                    vadNanos.add(t3 - t2);
                    frames.increment();
                    frame = frame + 1 == audioFrames ? 0 : frame + 1;
                    next += FRAME_NANOS;
                }
            } catch (RuntimeException | Error e) {
                failedSessions.increment();
                firstError.compareAndSet(null, e.toString());
            } finally {
                if (suppressor != null) {
                    suppressor.close();
                }
            }
        }
    }

    /** The resampler's output of one frame (it reuses its array, so it is copied). */
    private static final class Collected implements PcmResampler.Output {
        final short[] samples = new short[4 * BLOCK_16K];
        int length;

        @Override
        public void accept(short[] samples, int offset, int length) {
            int take = Math.min(length, this.samples.length - this.length);
            System.arraycopy(samples, offset, this.samples, this.length, take);
            this.length += take;
        }
    }
}
