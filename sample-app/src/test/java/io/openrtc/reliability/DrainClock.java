package io.openrtc.reliability;

import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.OpenRtcListener;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;

/** When the worker's drain began, for agents whose length is measured from it. */
final class DrainClock implements OpenRtcListener {

    private final CountDownLatch started = new CountDownLatch(1);
    private volatile Instant startedAt;

    @Override
    public void onEvent(OpenRtcEvent event) {
        if (event instanceof OpenRtcEvent.DrainStarted drain && startedAt == null) {
            startedAt = drain.at();
            started.countDown();
        }
    }

    /** Blocks until {@code after} has passed since the drain began (interrupted when the session is cancelled). */
    void awaitDrainPlus(Duration after) throws InterruptedException {
        started.await();
        long left = Duration.between(Instant.now(), startedAt.plus(after)).toMillis();
        if (left > 0) {
            Thread.sleep(left);
        }
    }

    /** Whether {@code after} has passed since the drain began (false before it). */
    boolean passed(Duration after) {
        Instant at = startedAt;
        return at != null && !Instant.now().isBefore(at.plus(after));
    }

    /** How long after the drain a session with {@code metadata} {@code {"afterDrainMs": N}} is to end. */
    static Duration afterDrain(String metadata) {
        var matcher = java.util.regex.Pattern.compile("\"afterDrainMs\"\\s*:\\s*(\\d+)").matcher(metadata);
        return matcher.find() ? Duration.ofMillis(Long.parseLong(matcher.group(1))) : Duration.ZERO;
    }
}
