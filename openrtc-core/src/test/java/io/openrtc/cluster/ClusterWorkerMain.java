package io.openrtc.cluster;

import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.pool.PoolOptions;
import io.openrtc.rtc.CloseReason;
import io.openrtc.runtime.AgentPool;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One worker JVM of the cluster scenarios: an {@link AgentPool} with the agent {@code cluster}
 * and {@code max-concurrent-sessions} from its first argument, connected to {@code LIVEKIT_URL}
 * (the balancer) with the keys from the environment. Every session joins its room and holds it:
 * for the milliseconds in its dispatch metadata ({@code hold=3000}), or until the room closes
 * ({@code hold=room}). What happens is printed one line per event, for the test to read:
 * {@code REGISTERED <workerId>}, {@code RUNNING <room> <jobId>}, {@code CLOSED <room> <reason>},
 * {@code ENDED <room> <jobId> <outcome> <detail>}, {@code DECLINED <room> <reason>},
 * {@code DISCONNECTED <error>}, {@code DRAINING}, {@code DRAINED <completed> <cancelled>}.
 * SIGTERM drains it, as on Kubernetes.
 */
public final class ClusterWorkerMain {

    static final String AGENT = "cluster";

    private ClusterWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        int maxSessions = Integer.parseInt(args[0]);
        AgentPool.builder()
                .livekit(System.getenv("LIVEKIT_URL"), System.getenv("LIVEKIT_API_KEY"), System.getenv("LIVEKIT_API_SECRET"))
                .agentName(AGENT)
                .add(AGENT, session -> {
                    String hold = session.metadata().replaceFirst("^hold=", "");
                    var closed = session.room().closed().toCompletableFuture();
                    try {
                        CloseReason reason = "room".equals(hold)
                                ? closed.get(5, TimeUnit.MINUTES)
                                : closed.get(Long.parseLong(hold), TimeUnit.MILLISECONDS);
                        print("CLOSED " + session.roomName() + " " + reason.cause() + " " + oneLine(reason.detail()));
                    } catch (TimeoutException held) {
                        // held as long as asked: the call is over
                    }
                })
                .poolOptions(PoolOptions.builder().maxConcurrentSessions(maxSessions).drainTimeout(Duration.ofSeconds(30)).build())
                .listener(ClusterWorkerMain::report)
                .build()
                .run();
    }

    private static void report(OpenRtcEvent event) {
        switch (event) {
            case OpenRtcEvent.WorkerRegistered e -> print("REGISTERED " + e.workerId());
            case OpenRtcEvent.WorkerDisconnected e -> print("DISCONNECTED " + oneLine(e.error()));
            case OpenRtcEvent.SessionRunning e -> print("RUNNING " + e.session().roomName() + " " + e.session().jobId());
            case OpenRtcEvent.SessionEnded e -> print("ENDED " + e.session().roomName() + " " + e.session().jobId() + " "
                    + e.outcome().label() + " " + oneLine(detail(e.outcome())));
            case OpenRtcEvent.JobDeclined e -> print("DECLINED " + e.job().roomName() + " " + e.reason() + " " + oneLine(e.detail()));
            case OpenRtcEvent.DrainStarted e -> print("DRAINING");
            case OpenRtcEvent.DrainFinished e -> print("DRAINED " + e.completed() + " " + e.cancelled());
            default -> {
            }
        }
    }

    private static String detail(SessionOutcome outcome) {
        return switch (outcome) {
            case SessionOutcome.Failed f -> f.message();
            case SessionOutcome.Cancelled c -> c.reason();
            default -> "";
        };
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").strip();
    }

    private static synchronized void print(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
