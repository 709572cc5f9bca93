package io.openrtc.test;

import java.time.Duration;
import java.util.UUID;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Triggers jobs in a way that survives LiveKit's registration race: a dispatch in the instant
 * after a worker registered can miss it (the server answers the registration before its dispatch
 * tables know the worker) and is then dropped for good. So the trigger is retried, with a fresh
 * room each time, until the test's condition says a worker took the job.
 */
public final class Dispatches {

    private static final int ATTEMPTS = 8;
    // Long enough for a job to be offered, accepted and joined on a loaded 2-core machine; a
    // dispatch lost to the registration race never arrives at all, so waiting longer costs little.
    private static final Duration PER_ATTEMPT = Duration.ofSeconds(10);

    private Dispatches() {
    }

    /** Fires the job for a room name. */
    @FunctionalInterface
    public interface Trigger {
        void fire(String room) throws Exception;
    }

    /** A fresh, unique room name starting with {@code prefix-}. */
    public static String uniqueRoom(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Fires {@code trigger} for fresh rooms named {@code prefix-<random>} until {@code accepted}
     * holds for one (up to 8 attempts of 10 s); returns that room.
     */
    public static String untilAccepted(String prefix, Trigger trigger, Predicate<String> accepted) throws Exception {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            String room = uniqueRoom(prefix);
            trigger.fire(room);
            try {
                Awaitility.await().atMost(PER_ATTEMPT).until(() -> accepted.test(room));
                return room;
            } catch (ConditionTimeoutException e) {
                System.out.println("[openrtc-test] no worker took the job for room " + room + " (attempt " + attempt
                        + " of " + ATTEMPTS + "); triggering again");
            }
        }
        throw new AssertionError("none of " + ATTEMPTS + " triggered jobs was taken");
    }

    /** Dispatches {@code agentName} with {@code metadata} into fresh rooms until {@code accepted} holds. */
    public static String dispatchUntilAccepted(LiveKitServer server, String agentName, String metadata,
                                               Predicate<String> accepted) throws Exception {
        return untilAccepted("room", room -> {
            var response = server.agentDispatch().createDispatch(room, agentName, metadata).execute();
            if (!response.isSuccessful()) {
                throw new IllegalStateException("CreateDispatch failed: HTTP " + response.code());
            }
        }, accepted);
    }
}
