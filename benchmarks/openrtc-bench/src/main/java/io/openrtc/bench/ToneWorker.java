package io.openrtc.bench;

import io.openrtc.pool.PoolOptions;
import io.openrtc.runtime.AgentPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenRTC-JVM worker the real-media and dispatch benchmarks measure: plain Java on
 * {@link AgentPool}, one agent ({@link ToneAgent}), settings from the environment
 * ({@link BenchSettings}), the session timeline from an event listener ({@link SessionTimeline}).
 *
 * <p>Started by {@code benchmarks/harness/runtimes.py} as
 * {@code java <flags> -cp benchmarks/openrtc-bench/target/openrtc-bench.jar io.openrtc.bench.ToneWorker}.
 * In process isolation the pool starts each child JVM with the same classpath and this main class
 * in the session-host role; {@link AgentPool#run()} then serves that child's one session, so the
 * measured process tree is the worker JVM and its child JVMs, nothing else.
 */
public final class ToneWorker {

    private static final Logger log = LoggerFactory.getLogger(ToneWorker.class);

    private ToneWorker() {
    }

    public static void main(String[] args) throws Exception {
        BenchSettings settings;
        try {
            settings = BenchSettings.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("ToneWorker: " + e.getMessage());
            System.exit(2);
            return;
        }
        EventsFile events = settings.eventsFile().map(EventsFile::new).orElse(null);
        if (!AgentPool.isSessionHost()) {
            log.info("tone worker: {}", settings);
        }
        AgentPool.builder()
                .livekit(settings.livekitUrl(), settings.apiKey(), settings.apiSecret())
                .agentName(settings.agentName())
                .add("tone", new ToneAgent(settings, events))
                .poolOptions(PoolOptions.builder()
                        .isolation(settings.isolation())
                        .maxConcurrentSessions(settings.maxSessions())
                        // The harness stops the worker after deleting every room: nothing is left to wait for.
                        .drainTimeout(Duration.ofSeconds(5))
                        // A benchmark measures every rate and size: the production supervisor would
                        // stop the worker after 5 failed sessions in a row and hide what follows.
                        // Failures still show, as sessions that never ran.
                        .consecutiveFailureLimit(1_000_000)
                        .jvmArgs(childJvmArgs())
                        .idleProcesses(idleProcesses())
                        .build())
                .listener(new SessionTimeline(settings, events))
                .build()
                .run();
    }

    /**
     * Prewarmed child JVMs in process isolation: {@code OPENRTC_BENCH_IDLE_PROCESSES}, or the
     * pool's default ({@link PoolOptions.ProcessOptions#DEFAULT_IDLE_PROCESSES}), to measure how a
     * larger prewarmed pool absorbs a burst of dispatches. Capped at the pool's capacity, as the
     * pool requires.
     */
    static int idleProcesses() {
        String value = System.getenv().getOrDefault("OPENRTC_BENCH_IDLE_PROCESSES", "").strip();
        if (value.isEmpty()) {
            return PoolOptions.ProcessOptions.DEFAULT_IDLE_PROCESSES;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= 0) {
                int capacity = BenchSettings.fromEnvironment(System.getenv()).maxSessions();
                return Math.min(parsed, capacity);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("OPENRTC_BENCH_IDLE_PROCESSES must be a whole number >= 0, was '" + value + "'");
    }

    /**
     * What process-isolation children get on their command line besides the pool's own
     * ({@code -Xmx} from the per-child memory limit): native access for webrtc-java, and anything
     * in {@code OPENRTC_BENCH_CHILD_JVM_ARGS} (space-separated), which the harness records.
     */
    static List<String> childJvmArgs() {
        List<String> args = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED"));
        String extra = System.getenv().getOrDefault("OPENRTC_BENCH_CHILD_JVM_ARGS", "").strip();
        if (!extra.isEmpty()) {
            args.addAll(Arrays.asList(extra.split("\\s+")));
        }
        return args;
    }
}
