package io.openrtc.worker;

import static org.awaitility.Awaitility.await;

import io.openrtc.observe.EventPublisher;
import io.openrtc.test.LiveKitServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import livekit.LivekitAgentDispatch.AgentDispatch;
import org.awaitility.core.ConditionTimeoutException;
import retrofit2.Response;

/**
 * Test helper for real-server tests: starts workers backed by a {@link FixtureSessionPool},
 * each with its own event recording, stops them all afterwards, and triggers jobs in a way that
 * survives LiveKit's registration race (a dispatch in the instant after registration can miss
 * a new worker and is then dropped for good, so the trigger is retried with a fresh room until a
 * job is accepted by one of the given workers).
 */
final class RealWorkers implements AutoCloseable {

    /** One started worker with its pool and what it published. */
    record Started(Worker worker, FixtureSessionPool pool, RecordingListener events, EventPublisher publisher) {
    }

    private final LiveKitServer server;
    private final List<Started> started = new ArrayList<>();
    /** Sessions of a held pool block until their room's latch opens (or they are cancelled). */
    private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();

    RealWorkers(LiveKitServer server) {
        this.server = server;
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A pool whose sessions run until {@link #release(String)} of their room, or {@link #close()}. */
    FixtureSessionPool heldPool(int capacity, String agentName) {
        return new FixtureSessionPool(capacity, agentName, a -> hold(a.job().roomName()).await());
    }

    /** Lets the held session of {@code room} end (also before it started). */
    void release(String room) {
        hold(room).countDown();
    }

    private CountDownLatch hold(String room) {
        return holds.computeIfAbsent(room, r -> new CountDownLatch(1));
    }

    WorkerOptions.Builder options(String agentName) {
        return WorkerOptions.builder(server.url(), server.apiKey(), server.apiSecret())
                .agentName(agentName)
                .reconnectBackoff(new ReconnectBackoff(Duration.ofMillis(200), Duration.ofSeconds(2), 0.2));
    }

    Started start(String agentName, FixtureSessionPool pool) {
        return start(options(agentName).build(), pool);
    }

    Started start(WorkerOptions options, FixtureSessionPool pool) {
        EventPublisher publisher = new EventPublisher();
        RecordingListener events = new RecordingListener();
        publisher.addListener(events);
        Worker worker = new Worker(options, pool, pool, publisher);
        Started s = new Started(worker, pool, events, publisher);
        started.add(s);
        worker.start();
        return s;
    }

    /**
     * Creates dispatches of {@code agentName} with {@code metadata} into fresh rooms until one of
     * {@code workers} accepts a job; returns that room.
     */
    String dispatchUntilAccepted(String agentName, String metadata, Started... workers) throws Exception {
        return triggerUntilAccepted(room -> {
            Response<AgentDispatch> response = server.agentDispatch().createDispatch(room, agentName, metadata).execute();
            if (!response.isSuccessful()) {
                throw new IllegalStateException("CreateDispatch failed: HTTP " + response.code());
            }
        }, workers);
    }

    /** Creates fresh rooms until one of {@code workers} accepts a job for one; returns that room. */
    String createRoomUntilAccepted(Started... workers) throws Exception {
        return triggerUntilAccepted(room -> {
            if (!server.roomService().createRoom(room).execute().isSuccessful()) {
                throw new IllegalStateException("CreateRoom failed");
            }
        }, workers);
    }

    interface Trigger {
        void fire(String room) throws Exception;
    }

    private static String triggerUntilAccepted(Trigger trigger, Started... workers) throws Exception {
        Predicate<String> accepted = room -> {
            for (Started w : workers) {
                if (w.events().acceptsForRoom(room) > 0) {
                    return true;
                }
            }
            return false;
        };
        for (int attempt = 1; attempt <= 8; attempt++) {
            String room = unique("room");
            trigger.fire(room);
            try {
                await().atMost(Duration.ofSeconds(5)).until(() -> accepted.test(room));
                return room;
            } catch (ConditionTimeoutException e) {
                System.out.println("[test] no worker accepted a job for " + room + " (attempt " + attempt + "), triggering again");
            }
        }
        throw new AssertionError("none of 8 triggered jobs was accepted by the workers");
    }

    @Override
    public void close() {
        holds.values().forEach(CountDownLatch::countDown);
        for (Started s : started) {
            s.worker().stop();
            s.publisher().close();
        }
    }
}
