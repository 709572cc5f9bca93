package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openrtc.observe.DrainResult;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.pool.PoolOptions;
import io.openrtc.test.Dispatches;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How a worker ends, against a real livekit-server: a worker that stops itself (broken) returns
 * from {@link AgentPool#run()} and its JVM exits; a drain asked for before {@link AgentPool#start()}
 * does not spoil the drain that comes with the real shutdown.
 */
@LiveKitServerTest
class AgentPoolLifecycleTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aWorkerThatStopsItselfReturnsFromRunAndItsJvmExits(LiveKitServer server) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms8m", "-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                SelfStoppingWorkerMain.class.getName()).redirectErrorStream(true);
        // The keys go in the environment, never on a command line others can read.
        builder.environment().put("LIVEKIT_URL", server.url().toString());
        builder.environment().put("LIVEKIT_API_KEY", server.apiKey());
        builder.environment().put("LIVEKIT_API_SECRET", server.apiSecret());
        Process worker = builder.start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    System.out.println("[self-stopping worker] " + line);
                    output.add(line);
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        try {
            assertThat(worker.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the broken worker's JVM exited").isTrue();
            assertThat(worker.exitValue()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> output.contains(SelfStoppingWorkerMain.RUN_RETURNED));
            assertThat(output).anyMatch(line -> line.contains("openrtc.memory.limit"));
        } finally {
            worker.destroyForcibly();
        }
    }

    @Test
    void aDrainBeforeStartLeavesTheShutdownDrainToWaitForRunningSessions(LiveKitServer server) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<OpenRtcEvent> events = new CopyOnWriteArrayList<>();
        try (AgentPool pool = AgentPool.builder()
                .livekit(server.url(), server.apiKey(), server.apiSecret())
                .agentName("early-drain")
                .add("holder", session -> release.await(60, TimeUnit.SECONDS))
                .poolOptions(PoolOptions.builder().drainTimeout(Duration.ofSeconds(30)).build())
                .listener(events::add)
                .build()) {
            DrainResult early = pool.drain("too early").toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(early).isEqualTo(DrainResult.nothingToDrain());
            assertThat(pool.isDraining()).isFalse();

            pool.start();
            String room = Dispatches.dispatchUntilAccepted(server, "early-drain", "", r -> events.stream()
                    .anyMatch(e -> e instanceof OpenRtcEvent.SessionRunning s && s.session().roomName().equals(r)));

            CompletableFuture<DrainResult> shutdown = pool.drain("shutdown").toCompletableFuture();
            // The session holds: the drain must wait for it, not return the early drain's empty result.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> !shutdown.isDone());
            assertThat(pool.snapshot().draining()).isTrue();
            release.countDown();
            DrainResult result = shutdown.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(result.completed()).isEqualTo(1);
            assertThat(result.cancelled()).isZero();
            assertThat(events).anyMatch(e -> e instanceof OpenRtcEvent.SessionEnded s && s.session().roomName().equals(room));
        }
    }
}
