package io.openrtc.cluster;

import static org.awaitility.Awaitility.await;

import io.openrtc.test.LiveKitCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Worker JVMs ({@link ClusterWorkerMain}) for the cluster scenarios, connected to the
 * cluster's balancer, each read through the lines it prints. {@link #close()} kills whatever
 * still runs.
 */
final class ClusterWorkers implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(90);

    private final LiveKitCluster cluster;
    private final List<Worker> started = new ArrayList<>();

    ClusterWorkers(LiveKitCluster cluster) {
        this.cluster = cluster;
    }

    /** One worker JVM and what it printed, with the time each line arrived. */
    static final class Worker {
        final String name;
        final int maxSessions;
        final Process process;
        final List<Line> lines = new CopyOnWriteArrayList<>();

        record Line(long atNanos, String text) {
            String[] words() {
                return text.split(" ", 5);
            }
        }

        Worker(String name, int maxSessions, Process process) {
            this.name = name;
            this.maxSessions = maxSessions;
            this.process = process;
        }

        List<String[]> all(String kind) {
            return lines.stream().filter(l -> l.text().startsWith(kind + " ")).map(Line::words).toList();
        }

        /** The id of its latest registration. */
        Optional<String> workerId() {
            List<String[]> registered = all("REGISTERED");
            return registered.isEmpty() ? Optional.empty() : Optional.of(registered.getLast()[1]);
        }

        int registrations() {
            return all("REGISTERED").size();
        }

        /** Room to job id of every session that ran. */
        Map<String, String> ran() {
            Map<String, String> ran = new HashMap<>();
            all("RUNNING").forEach(w -> ran.put(w[1], w[2]));
            return ran;
        }

        /** The ENDED line of a room's session, if it ended. */
        Optional<String[]> ended(String room) {
            return all("ENDED").stream().filter(w -> w[1].equals(room)).findFirst();
        }

        /** The most sessions it ran at once (from its RUNNING and ENDED lines). */
        int mostAtOnce() {
            int now = 0;
            int most = 0;
            for (Line line : lines) {
                if (line.text().startsWith("RUNNING ")) {
                    most = Math.max(most, ++now);
                } else if (line.text().startsWith("ENDED ")) {
                    now--;
                }
            }
            return most;
        }

        boolean registered() {
            int registered = 0;
            for (Line line : lines) {
                if (line.text().startsWith("REGISTERED ")) {
                    registered = 1;
                } else if (line.text().startsWith("DISCONNECTED ")) {
                    registered = 0;
                }
            }
            return registered == 1;
        }

        void sigterm() {
            process.toHandle().destroy(); // SIGTERM on Linux: the JVM's shutdown hook drains
        }

        boolean exited(Duration within) throws InterruptedException {
            return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public String toString() {
            return name + " (max " + maxSessions + ")";
        }
    }

    /** Starts a worker JVM and waits until it registered. */
    Worker start(String name, int maxSessions) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms16m", "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), ClusterWorkerMain.class.getName(), Integer.toString(maxSessions))
                .redirectErrorStream(true);
        // The keys go in the environment, never on a command line others can read.
        builder.environment().put("LIVEKIT_URL", cluster.url().toString());
        builder.environment().put("LIVEKIT_API_KEY", cluster.apiKey());
        builder.environment().put("LIVEKIT_API_SECRET", cluster.apiSecret());
        Worker worker = new Worker(name, maxSessions, builder.start());
        started.add(worker);
        Thread.ofPlatform().daemon().name("worker-" + name).start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(worker.process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    worker.lines.add(new Worker.Line(System.nanoTime(), line));
                    if (isEvent(line)) {
                        System.out.println("[" + name + "] " + line);
                    }
                }
            } catch (IOException ignored) {
                // the worker ended
            }
        });
        await().atMost(WAIT).until(() -> worker.registered() || !worker.process.isAlive());
        if (!worker.process.isAlive()) {
            throw new IllegalStateException("worker " + name + " exited before registering");
        }
        return worker;
    }

    /** Which node holds a worker's websocket now (by its latest registration). */
    int nodeOf(Worker worker) {
        String id = worker.workerId().orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.nodeOfWorker(id).isPresent());
        return cluster.nodeOfWorker(id).getAsInt();
    }

    private static boolean isEvent(String line) {
        return line.matches("^(REGISTERED|RUNNING|CLOSED|ENDED|DECLINED|DISCONNECTED|DRAINING|DRAINED) .*") || line.equals("DRAINING")
                || line.contains("rejoin") || line.contains("resume");
    }

    @Override
    public void close() {
        for (Worker w : started) {
            w.process.destroyForcibly();
        }
        for (Worker w : started) {
            try {
                w.process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
