package io.openrtc.rtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.AudioDeviceModule;
import dev.onvoid.webrtc.media.audio.AudioDeviceModuleBase;
import dev.onvoid.webrtc.media.audio.AudioLayer;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM-wide WebRTC machinery that every {@link Room} borrows: created once, shared by all
 * sessions, closed once.
 *
 * <p>It owns:
 * <ul>
 *   <li>the <b>sending factory</b>, built on a dummy audio device module that never records, so
 *       that our pushed PCM is the only writer of every send stream (a recording module racing
 *       with pushes aborts the JVM inside libwebrtc). Publisher peer connections come from it;</li>
 *   <li>one or more <b>receiving factories</b> ({@link RtcRuntimeOptions#receivingShards()}), each
 *       on its own headless audio device module with playout started: its playout thread pulls,
 *       and so decodes, every remote audio stream every 10 ms and feeds the tracks' sinks.
 *       Subscriber peer connections come from them, spread over the shards;</li>
 *   <li>the shared 10 ms pacing thread that pushes the audio of every published track;</li>
 *   <li>a timer thread (pings, deadlines), an HTTP client for signal websockets, and counters of
 *       live native objects ({@link #liveObjects()}).</li>
 * </ul>
 *
 * <p>Factories start lazily on the first room (or on {@link #prewarm()}) and are thread-safe to
 * reach from any thread. {@link #close()} closes every room still open, then disposes the
 * factories and device modules.
 */
public final class RtcRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RtcRuntime.class);
    private static final Object SHARED_LOCK = new Object();
    private static RtcRuntime shared;

    private final RtcRuntimeOptions options;
    private final NativeCounters counters = new NativeCounters();
    private final Set<LiveKitRoom> rooms = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private Natives natives;
    private AudioPacer pacer;
    private ScheduledExecutorService timers;
    private HttpClient httpClient;
    private volatile boolean closed;

    private RtcRuntime(RtcRuntimeOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A new runtime. Normally one per JVM: prefer {@link #shared()} outside tests. */
    public static RtcRuntime create(RtcRuntimeOptions options) {
        return new RtcRuntime(options);
    }

    /**
     * The JVM-wide runtime with default options, created on first use and closed by a shutdown
     * hook (or by {@link #close()}; a later call then creates a fresh one).
     */
    public static RtcRuntime shared() {
        synchronized (SHARED_LOCK) {
            if (shared == null || shared.closed) {
                RtcRuntime runtime = new RtcRuntime(RtcRuntimeOptions.defaults());
                Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("openrtc-rtc-shutdown").unstarted(runtime::close));
                shared = runtime;
            }
            return shared;
        }
    }

    /** Its options. */
    public RtcRuntimeOptions options() {
        return options;
    }

    /**
     * Loads the native library and starts the factories, device modules and pacing thread now,
     * so that the first session does not pay for it.
     *
     * @return this runtime
     */
    public RtcRuntime prewarm() {
        natives();
        pacer();
        return this;
    }

    /** How many native objects created by rooms are alive now. */
    public NativeObjectCounts liveObjects() {
        return counters.snapshot();
    }

    /** Rooms not yet closed. */
    public List<Room> rooms() {
        return List.copyOf(rooms);
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes every open room (cause {@link CloseReason.Cause#RUNTIME_CLOSED}), stops the pacing and
     * timer threads, and disposes the factories and their device modules. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // Close every room at once, then wait for all of them (each is bounded).
        CloseReason reason = new CloseReason(CloseReason.Cause.RUNTIME_CLOSED, "the RTC runtime is shutting down");
        List<java.util.concurrent.CompletableFuture<CloseReason>> closing = new ArrayList<>();
        for (LiveKitRoom room : List.copyOf(rooms)) {
            closing.add(room.closeAsync(reason));
        }
        try {
            java.util.concurrent.CompletableFuture.allOf(closing.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(20, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("Not every room closed in time: {} still open", rooms.size());
        }
        synchronized (lock) {
            if (pacer != null) {
                pacer.close();
            }
            if (timers != null) {
                timers.shutdownNow();
            }
            if (httpClient != null) {
                httpClient.shutdownNow();
            }
            if (natives != null) {
                natives.dispose();
                natives = null;
            }
        }
        log.debug("RTC runtime closed; live objects {}", counters.snapshot());
    }

    // ---- borrowed by rooms ----

    NativeCounters counters() {
        return counters;
    }

    PeerConnectionFactory sendingFactory() {
        return natives().sendingFactory;
    }

    /** The receiving shard with the fewest rooms; the caller must {@link ReceivingShard#release()} it. */
    ReceivingShard acquireReceivingShard() {
        ReceivingShard best = null;
        for (ReceivingShard shard : natives().receiving) {
            if (best == null || shard.rooms.get() < best.rooms.get()) {
                best = shard;
            }
        }
        best.rooms.incrementAndGet();
        return best;
    }

    AudioPacer pacer() {
        synchronized (lock) {
            ensureOpen();
            if (pacer == null) {
                pacer = new AudioPacer();
            }
            return pacer;
        }
    }

    ScheduledExecutorService timers() {
        synchronized (lock) {
            ensureOpen();
            if (timers == null) {
                timers = Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().name("openrtc-rtc-timers").daemon(true).factory());
            }
            return timers;
        }
    }

    HttpClient httpClient() {
        synchronized (lock) {
            ensureOpen();
            if (httpClient == null) {
                httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            }
            return httpClient;
        }
    }

    void register(LiveKitRoom room) {
        synchronized (lock) {
            ensureOpen();
            rooms.add(room);
            counters.rooms.incrementAndGet();
        }
    }

    void unregister(LiveKitRoom room) {
        if (rooms.remove(room)) {
            counters.rooms.decrementAndGet();
        }
    }

    private Natives natives() {
        synchronized (lock) {
            ensureOpen();
            if (natives == null) {
                natives = Natives.start(options.receivingShards());
            }
            return natives;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the RTC runtime is closed");
        }
    }

    /** A receiving factory and its playout device module. */
    static final class ReceivingShard {
        final int index;
        final PeerConnectionFactory factory;
        final HeadlessAudioDeviceModule deviceModule;
        final AtomicInteger rooms = new AtomicInteger();

        ReceivingShard(int index, PeerConnectionFactory factory, HeadlessAudioDeviceModule deviceModule) {
            this.index = index;
            this.factory = factory;
            this.deviceModule = deviceModule;
        }

        void release() {
            rooms.decrementAndGet();
        }
    }

    /** The factories and device modules; created together, disposed together. */
    private static final class Natives {
        final AudioDeviceModule sendingDeviceModule;
        final PeerConnectionFactory sendingFactory;
        final List<ReceivingShard> receiving;

        private Natives(AudioDeviceModule sendingDeviceModule, PeerConnectionFactory sendingFactory,
                List<ReceivingShard> receiving) {
            this.sendingDeviceModule = sendingDeviceModule;
            this.sendingFactory = sendingFactory;
            this.receiving = receiving;
        }

        static Natives start(int shards) {
            long started = System.nanoTime();
            AudioDeviceModule sendingModule = new AudioDeviceModule(AudioLayer.kDummyAudio);
            PeerConnectionFactory sendingFactory = new PeerConnectionFactory(sendingModule);
            List<ReceivingShard> receiving = new ArrayList<>();
            for (int i = 0; i < shards; i++) {
                HeadlessAudioDeviceModule module = new HeadlessAudioDeviceModule();
                PeerConnectionFactory factory = new PeerConnectionFactory(module);
                // Playout is started after the factory exists: started before, remote sinks stay silent.
                module.initPlayout();
                module.startPlayout();
                receiving.add(new ReceivingShard(i, factory, module));
            }
            log.info("WebRTC runtime started: 1 sending factory (dummy audio device), {} receiving factor{} "
                    + "(headless audio device in playout) in {} ms", shards, shards == 1 ? "y" : "ies",
                    (System.nanoTime() - started) / 1_000_000);
            return new Natives(sendingModule, sendingFactory, List.copyOf(receiving));
        }

        void dispose() {
            for (ReceivingShard shard : receiving) {
                quietly("stop playout of receiving shard " + shard.index, shard.deviceModule::stopPlayout);
                quietly("dispose receiving factory " + shard.index, shard.factory::dispose);
                quietly("dispose receiving device module " + shard.index, () -> disposeModule(shard.deviceModule));
            }
            quietly("dispose sending factory", sendingFactory::dispose);
            quietly("dispose sending device module", () -> disposeModule(sendingDeviceModule));
        }

        private static void disposeModule(AudioDeviceModuleBase module) {
            module.dispose();
        }

        private static void quietly(String what, Runnable action) {
            try {
                action.run();
            } catch (Throwable t) {
                log.warn("Could not {}: {}", what, t.toString());
            }
        }
    }
}
